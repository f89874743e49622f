"""Settings: environment, TOML file, and start-up refusals that name the bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chargegrid.config import SettingsError, UnknownChargers, load_settings


def test_environment_and_nested_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARGEGRID_CALL_TIMEOUT", "12.5")
    monkeypatch.setenv("CHARGEGRID_UNKNOWN_CHARGERS", "pending")
    monkeypatch.setenv("CHARGEGRID_STRIPE__CURRENCY", "chf")
    settings = load_settings()
    assert settings.call_timeout == 12.5
    assert settings.unknown_chargers is UnknownChargers.pending
    assert settings.stripe.currency == "chf"


def test_toml_file_below_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "chargegrid.toml"
    config.write_text("heartbeat_interval = 120\ncall_timeout = 9\n[payments]\nprice_per_kwh = 0.39\n")
    monkeypatch.setenv("CHARGEGRID_CALL_TIMEOUT", "30")
    settings = load_settings(config)
    assert settings.heartbeat_interval == 120 and settings.call_timeout == 30
    assert settings.payments.price_per_kwh == 0.39


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CHARGEGRID_UNKNOWN_CHARGERS", "maybe", "'reject', 'pending' or 'accept'"),
        ("CHARGEGRID_CALL_TIMEOUT", "-1", "greater than 0"),
        ("CHARGEGRID_DATABASE_URL", "mysql://x", "sqlite+aiosqlite://"),
        ("CHARGEGRID_DENY_CONCURRENT_TX", "perhaps", "boolean"),
    ],
)
def test_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert name in str(info.value) and says in str(info.value)


def test_serve_refuses_to_start_with_a_bad_setting(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chargegrid", "serve", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={
            "CHARGEGRID_UNKNOWN_CHARGERS": "sometimes",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
        },
        timeout=60,
    )
    assert result.returncode == 2
    assert "CHARGEGRID_UNKNOWN_CHARGERS" in result.stderr and "reject" in result.stderr


def test_every_command_has_help() -> None:
    from chargegrid.cli import build_parser

    parser = build_parser()
    assert "serve" in parser.format_help() and "migrate" in parser.format_help()
    for command in ("serve", "migrate"):
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([command, "--help"])
        assert exit_info.value.code == 0
