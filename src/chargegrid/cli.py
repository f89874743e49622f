"""The `chargegrid` command: serve, migrate, and the subcommands other modules register."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from chargegrid import __version__
from chargegrid.config import ENV_PREFIX, Settings, SettingsError, load_settings

EPILOG = f"""Settings come from environment variables {ENV_PREFIX}<NAME> (nested with '__', e.g.
{ENV_PREFIX}STRIPE__API_KEY) and an optional TOML file (--config). Flags override both.
Main settings: DATABASE_URL, API_KEY, CALL_TIMEOUT, HEARTBEAT_INTERVAL, UNKNOWN_CHARGERS
(reject|pending|accept), MAX_MESSAGE_SIZE, DENY_CONCURRENT_TX, MESSAGE_LOG (off|no-heartbeats|all),
TLS__CERT_FILE, TLS__KEY_FILE, TLS__CLIENT_CA_FILE, EDGE__HANDSHAKE_TIMEOUT_SECONDS,
EDGE__BOOT_TIMEOUT_SECONDS, EDGE__MAX_CONNECTIONS_PER_ADDRESS (see README).
Cluster: REDIS_URL (redis://host:6379/0), NODE_ID (default host name-pid), REDIS__LEASE_SECONDS."""


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    try:
        return load_settings(getattr(args, "config", None), **overrides)
    except SettingsError as exc:
        print(f"chargegrid: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _configure_logging(level: str) -> None:
    from chargegrid import logging_setup

    logging_setup.configure(level)


def cmd_serve(args: argparse.Namespace) -> int:
    import signal

    from chargegrid.app import create_app
    from chargegrid.cluster import workers
    from chargegrid.ocpp.transport import tls_files_exist, uvicorn_config

    tls: dict[str, Any] = {
        key: value
        for key, value in (
            ("cert_file", args.tls_cert),
            ("key_file", args.tls_key),
            ("client_ca_file", args.tls_client_ca),
        )
        if value is not None
    }
    overrides: dict[str, Any] = {}
    if tls:
        # Flags override the environment per field: keep the other TLS settings as they are.
        base = _settings(args).tls.model_dump()
        overrides["tls"] = {**base, **tls}
    settings = _settings(
        args,
        database_url=args.database_url,
        log_level=args.log_level,
        unknown_chargers=args.unknown_chargers,
        **overrides,
    )
    if problem := workers.cluster_problem(settings, args.workers):
        print(f"chargegrid: {problem}", file=sys.stderr)
        return 2
    missing = tls_files_exist(settings.tls)
    if missing:
        print(f"chargegrid: TLS file not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    # Checked once, before any worker starts: the workers of --workers N share the port by design, so
    # a worker that checked would find its sibling there and quit.
    busy = "" if workers.is_worker() else _port_in_use(args.host, args.port)
    if busy:
        print(
            f"chargegrid: port {args.port} on {args.host} is already taken{busy}. Stop that server "
            f"first, or start this one on another port with --port.",
            file=sys.stderr,
        )
        return 1
    if args.workers > 1 and not workers.is_worker():
        return workers.run_workers(args.workers, args.argv)
    _configure_logging(settings.log_level)
    from chargegrid.ui import routes as ui_routes

    ui_routes.listen_url = ui_routes.url_for_people(args.host, args.port)
    app = create_app(settings)
    config, listener = uvicorn_config(
        app,
        settings,
        host=args.host,
        port=args.port,
        log_level=settings.log_level,
        proxy_headers=args.proxy_headers,
        access_log=args.access_log,
    )
    tls_source = listener.tls
    if tls_source is not None:
        signal.signal(signal.SIGHUP, lambda *_: tls_source.reload("SIGHUP"))
    s = "s" if tls_source is not None else ""
    print(
        f"Chargegrid {__version__}: OCPP on ws{s}://{args.host}:{args.port}/OCPP/<chargePointId>, "
        f"API on http{s}://{args.host}:{args.port}/API, docs at /docs",
        file=sys.stderr,
    )
    workers.serve_node(config)  # a worker of --workers N shares the port with its siblings
    return 0


def _port_in_use(host: str, port: int) -> str:
    """'' when the port is free; else what holds it, so a second server never starts silently."""
    import socket

    import httpx

    probe = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    try:
        with socket.create_connection((probe, port), timeout=1):
            pass
    except OSError:
        return ""
    try:
        health = httpx.get(f"http://{probe}:{port}/health", timeout=2)
        if "connectedChargers" in health.text:
            return f" by a running Chargegrid (http://{probe}:{port}/)"
    except httpx.HTTPError:
        pass
    return " by another program"


def cmd_migrate(args: argparse.Namespace) -> int:
    from chargegrid.store import migrate
    from chargegrid.store.database import create_engine

    settings = _settings(args, database_url=args.database_url)
    _configure_logging(settings.log_level)

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print("database schema is up to date", file=sys.stderr)
    return 0


Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _extra_registrars() -> list[Registrar]:
    """Subcommands that live next to what they drive (simulator, users)."""
    registrars: list[Registrar] = []
    for module in ("chargegrid.sim.cli", "chargegrid.ui.users_cli", "chargegrid.api.keys_cli"):
        try:
            imported = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        registrars.append(imported.register)
    return registrars


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chargegrid",
        description="Chargegrid: an open-source OCPP 1.6J / 2.0.1 / 2.1 central system.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chargegrid {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="run the central system (OCPP edge, APIs, UI) on one port",
        description="Run the central system: OCPP websockets at /OCPP/<id>, the REST APIs "
        "at /API and /charging-stations, the UI at /. Migrates the database first.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)",
    )
    serve.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081)")
    serve.add_argument(
        "--config",
        metavar="FILE",
        help="TOML file with settings (keys as the env names without the prefix, lower case)",
    )
    serve.add_argument(
        "--database-url", help="overrides CHARGEGRID_DATABASE_URL (default: SQLite file ./chargegrid.db)"
    )
    serve.add_argument(
        "--unknown-chargers",
        choices=["reject", "pending", "accept"],
        help="overrides CHARGEGRID_UNKNOWN_CHARGERS: what to do with unknown charger ids",
    )
    serve.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="overrides CHARGEGRID_LOG_LEVEL (default info)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N node processes sharing the port (a cluster on this machine: needs PostgreSQL and "
        "CHARGEGRID_REDIS_URL)",
    )
    serve.add_argument(
        "--tls-cert",
        metavar="FILE",
        help="server certificate chain (PEM): the port then speaks wss:// and https:// (TLS 1.2/1.3); "
        "overrides CHARGEGRID_TLS__CERT_FILE. Replaced files are picked up without restart (or on SIGHUP)",
    )
    serve.add_argument(
        "--tls-key",
        metavar="FILE",
        help="private key of --tls-cert (PEM); overrides CHARGEGRID_TLS__KEY_FILE",
    )
    serve.add_argument(
        "--tls-client-ca",
        metavar="FILE",
        help="CA certificate(s) (PEM) that issue chargers' client certificates (security profile 3); "
        "a certificate is asked for, not required; overrides CHARGEGRID_TLS__CLIENT_CA_FILE",
    )
    serve.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-For from a proxy")
    serve.add_argument("--access-log", action="store_true", help="log every HTTP request")
    serve.set_defaults(func=cmd_serve)

    mig = sub.add_parser(
        "migrate",
        help="create or upgrade the database schema, then exit",
        description="Apply the database migrations (serve does this at start too).",
    )
    mig.add_argument("--config", metavar="FILE", help="TOML settings file")
    mig.add_argument("--database-url", help="overrides CHARGEGRID_DATABASE_URL")
    mig.set_defaults(func=cmd_migrate)

    for register in _extra_registrars():
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # what `serve --workers` hands its workers
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
