"""Settings: environment variables `CHARGEGRID_*` (nested with `__`), an optional TOML file, defaults.

Precedence, highest first: explicit overrides (CLI flags), environment, TOML file, defaults.
A bad value stops start-up with a `SettingsError` naming the variable and what is allowed.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "CHARGEGRID_"


class UnknownChargers(enum.StrEnum):
    """What to do with a charger whose id is not in the database."""

    reject = "reject"
    pending = "pending"
    accept = "accept"


class MessageLogLevel(enum.StrEnum):
    """Which OCPP messages the message log keeps."""

    off = "off"
    no_heartbeats = "no-heartbeats"
    all = "all"


class StripeSettings(BaseModel):
    api_key: str | None = None
    webhook_secret: str | None = None
    currency: str = "eur"
    return_base_url: str = "http://localhost:8081/payments"
    api_base: str = "https://api.stripe.com"


class PaymentSettings(BaseModel):
    price_per_kwh: float = Field(default=0.49, ge=0)
    max_session_kwh: float = Field(default=80, gt=0)
    session_fee: float = Field(default=0, ge=0)
    start_window_minutes: float = Field(default=15, gt=0)
    pending_timeout_minutes: float = Field(default=30, gt=0)
    # Start the charge this long after Stripe reported the payment when the customer's browser never
    # came back to confirm it.
    confirm_grace_seconds: float = Field(default=120, ge=0)
    # How often the background task looks for expired reservations and Stripe work to retry.
    sweep_interval_seconds: float = Field(default=30, gt=0)
    # First retry delay of a capture or release that failed because Stripe was unavailable (doubles).
    retry_delay_seconds: float = Field(default=60, gt=0)


class RedisSettings(BaseModel):
    """The cluster's shared registry and command carrier; unset: a single node, as without a cluster."""

    url: str | None = Field(
        default=None, description="e.g. redis://127.0.0.1:6379/0; set it to run a cluster"
    )
    key_prefix: str = Field(default="chargegrid", min_length=1, description="Prefix of every Redis key")
    lease_seconds: float = Field(
        default=15, gt=0, description="A node that stops refreshing its lease this long is out of routing"
    )


class EventSettings(BaseModel):
    """Events out: the outbox, webhook delivery and the live stream."""

    transaction_update_interval: float = Field(
        default=30, ge=0, description="Seconds between transaction.updated events of one transaction"
    )
    retention_days: float = Field(
        default=7, gt=0, description="Keep outbox events and delivery attempts this long"
    )
    webhook_timeout: float = Field(
        default=10, gt=0, description="Seconds a receiver has to answer a delivery"
    )
    webhook_retry_hours: float = Field(
        default=24, gt=0, description="Pause a subscription whose oldest undelivered event failed this long"
    )
    webhook_backoff_seconds: float = Field(
        default=1, gt=0, description="First retry delay (doubles each time)"
    )
    webhook_backoff_max_seconds: float = Field(default=3600, gt=0, description="Longest retry delay")
    sequence_interval: float = Field(default=0.2, gt=0, description="How often new events are picked up (s)")
    stream_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often a live stream (SSE) looks for events it was not woken for (s); in a "
        "cluster, events numbered on another node wake it through Redis, this is the fallback",
    )


class UiSettings(BaseModel):
    """The management web UI's login sessions."""

    secret: str | None = Field(
        default=None, description="Key that signs session cookies (generated into the data dir if unset)"
    )
    session_idle_minutes: float = Field(default=480, gt=0, description="Log out after this long idle")
    session_max_hours: float = Field(default=24, gt=0, description="Log out this long after login")


class DataTransferSettings(BaseModel):
    """The vendor-specific DataTransfer messages this server understands (from chargers)."""

    vendors: dict[str, list[str]] = Field(
        default_factory=dict,
        description='vendorId → the messageIds understood, e.g. {"com.example": ["ping"]}; "*" accepts '
        "any messageId. Other vendors get UnknownVendorId, other messageIds UnknownMessageId",
    )


class TlsSettings(BaseModel):
    """TLS on the node's port: `wss://` and `https://` (OCPP security profiles 2 and 3)."""

    cert_file: Path | None = Field(default=None, description="Server certificate chain (PEM)")
    key_file: Path | None = Field(default=None, description="Private key of the server certificate (PEM)")
    client_ca_file: Path | None = Field(
        default=None,
        description="CA (PEM) that issues chargers' client certificates; asked for, not required",
    )
    reload_check_seconds: float = Field(
        default=5, gt=0, description="How often new connections look for replaced certificate files"
    )

    @property
    def enabled(self) -> bool:
        return self.cert_file is not None


class EdgeSettings(BaseModel):
    """Limits of the node's listening port against connections that only hold resources."""

    # As the `websockets` library's own server (open_timeout): a boot storm's clients may be slow to send.
    handshake_timeout_seconds: float = Field(
        default=10, gt=0, description="Close a connection whose TLS handshake or request head takes longer"
    )
    max_header_line_bytes: int = Field(default=8192, ge=256, description="Longest request line or header")
    max_headers: int = Field(default=100, ge=8, description="Most header lines in a request head")
    max_head_bytes: int = Field(default=32768, ge=1024, description="Largest whole request head")
    boot_timeout_seconds: float = Field(
        default=60, gt=0, description="Close an OCPP socket that sent no BootNotification by then"
    )
    max_connections_per_address: int = Field(
        default=0, ge=0, description="Open sockets allowed from one remote address (0: no cap)"
    )
    ping_interval_seconds: float = Field(
        default=60, ge=0, description="Websocket ping to each charger this often (0: never)"
    )


class SecuritySettings(BaseModel):
    """Charger credentials and profiles, TLS proxies, password-guessing limits, meter plausibility."""

    allow_no_credentials: bool = Field(
        default=True,
        description="Admit chargers at security profile 0 (no password, no certificate): anyone who knows "
        "such a charger's id can connect in its place",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses/CIDRs of TLS-terminating proxies whose client-certificate header is believed",
    )
    client_cert_header: str = Field(
        default="X-SSL-Client-Cert",
        description="Header carrying the proxy-verified client certificate (nginx $ssl_client_escaped_cert)",
    )
    client_ca_file: Path | None = Field(
        default=None,
        description="PEM CA(s) that may issue charger certificates (profile 3), besides the CSMS CA",
    )
    # Password guessing: checked before any argon2 work is spent.
    auth_failures_per_address: int = Field(default=5, ge=1, description="Failures before an address waits")
    auth_failures_per_charge_point: int = Field(default=20, ge=1, description="Failures before a lockout")
    auth_window_seconds: float = Field(default=60, gt=0, description="How long a failure counts")
    auth_global_failures: int = Field(
        default=100, ge=1, description="Failures per window, network-wide, that switch to attack mode"
    )
    auth_hash_concurrency: int = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) - 1),
        ge=1,
        description="argon2 checks running at once (default: one core less than the machine has)",
    )
    auth_hash_reserved: int = Field(
        default=1, ge=0, description="more argon2 checks, only for addresses and ids without failures"
    )
    auth_pending_per_address: int = Field(
        default=4, ge=1, description="Handshakes with unproven passwords one address may have in admission"
    )
    auth_hash_queue: int = Field(default=32, ge=0, description="argon2 checks waiting; more are refused")
    # Implausible meter data (flags a transaction; payments hold flagged ones for an operator).
    max_connector_kw: float = Field(default=350, gt=0, description="Highest power a connector can deliver")
    future_tolerance_minutes: float = Field(default=10, ge=0, description="Clock skew allowed in timestamps")
    csms_url: str | None = Field(
        default=None,
        pattern=r"^wss://",
        description="wss:// URL (without the charge point id) that RaiseSecurityProfile gives 2.x stations; "
        "unset: the API request's own host with wss:// and /OCPP/",
    )
    # Certificates issued to chargers (SignCertificate).
    certificate_validity_days: int = Field(default=365, ge=1)
    certificate_organization: str | None = Field(default=None, description="If set, a CSR's O= must equal it")
    certificate_expiry_window_days: int = Field(
        default=30, ge=0, description="Certificates expiring within this many days are reported as expiring"
    )


class CaSettings(BaseModel):
    """The CSMS certificate authority that signs chargers' CSRs (generated into the data dir if unset)."""

    cert_file: Path | None = None
    key_file: Path | None = None


class Settings(BaseSettings):
    """Every setting of a Chargegrid node. Field `x` is read from `CHARGEGRID_X`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./chargegrid.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db",
    )
    data_dir: Path = Field(default=Path("."), description="Where the generated API key file is kept")
    api_key: str | None = Field(default=None, description="Key for the X-API-Key header of the REST APIs")
    call_timeout: float = Field(default=60, gt=0, description="Seconds to wait for a charger's answer")
    heartbeat_interval: int = Field(default=300, gt=0, description="Heartbeat interval sent at boot (s)")
    unknown_chargers: UnknownChargers = UnknownChargers.reject
    max_message_size: int = Field(default=65536, ge=1024, description="Largest OCPP frame (bytes)")
    deny_concurrent_tx: bool = Field(default=False, description="Refuse a tag already in a transaction")
    write_lanes: int = Field(default=4, ge=1, le=32, description="PostgreSQL connections for group commits")
    validate_schemas: bool = Field(default=True, description="Validate OCPP payloads against schemas")
    message_log: MessageLogLevel = MessageLogLevel.no_heartbeats
    message_log_retention_days: int = Field(default=30, ge=0)
    auth_failure_delay_max: float = Field(default=5.0, ge=0, description="Cap of the auth-failure slowdown")
    node_id: str | None = Field(
        default=None, description="Name of this node in a cluster (default: host name and process id)"
    )
    log_level: str = "info"
    stripe: StripeSettings = StripeSettings()
    payments: PaymentSettings = PaymentSettings()
    redis: RedisSettings = RedisSettings()
    ui: UiSettings = UiSettings()
    tls: TlsSettings = TlsSettings()
    edge: EdgeSettings = EdgeSettings()
    data_transfer: DataTransferSettings = DataTransferSettings()
    events: EventSettings = EventSettings()
    security: SecuritySettings = SecuritySettings()
    ca: CaSettings = CaSettings()

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        allowed = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
        if not value.startswith(allowed):
            raise ValueError(f"must start with one of {', '.join(allowed)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        allowed = ("critical", "error", "warning", "info", "debug")
        if value.lower() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value.lower()

    _toml_file: ClassVar[Path | None] = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls._toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_file))
        return tuple(sources)

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.tls.cert_file is None) != (self.tls.key_file is None):
            raise ValueError("TLS needs both CHARGEGRID_TLS__CERT_FILE and CHARGEGRID_TLS__KEY_FILE")
        if self.tls.client_ca_file is not None and self.tls.cert_file is None:
            raise ValueError("CHARGEGRID_TLS__CLIENT_CA_FILE needs a server certificate and key too")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class SettingsError(Exception):
    """A setting has a value that is not allowed; the message says which and what is."""


def _describe(error: dict[str, Any]) -> str:
    if not error["loc"]:  # a rule across settings: its message names them
        return str(error["msg"]).removeprefix("Value error, ")
    path = "__".join(str(part) for part in error["loc"]).upper()
    value = error.get("input")
    shown = "" if isinstance(value, dict) else f" (got {value!r})"
    msg = error["msg"]
    if error["type"] == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        msg = f"must be one of {expected}"
    elif error["type"] == "extra_forbidden":
        msg = "is not a known setting (check the spelling; see `chargegrid serve --help`)"
    return f"{ENV_PREFIX}{path}{shown}: {msg}"


def load_settings(config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Read settings; raise `SettingsError` with one line per bad setting."""
    toml_path = Path(config_file) if config_file else None
    if toml_path is not None and not toml_path.is_file():
        raise SettingsError(f"--config {toml_path}: no such file")
    Settings._toml_file = toml_path
    # CHARGEGRID_REDIS_URL, the cluster's one must-have setting, is accepted as well as the nested form.
    short_redis = os.environ.get(f"{ENV_PREFIX}REDIS_URL")
    if short_redis and f"{ENV_PREFIX}REDIS__URL" not in os.environ and "redis" not in overrides:
        overrides["redis"] = {"url": short_redis}
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = [_describe(dict(e)) for e in exc.errors()]
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
    except ValueError as exc:  # e.g. malformed TOML
        raise SettingsError(f"cannot read settings: {exc}") from None
    finally:
        Settings._toml_file = None
