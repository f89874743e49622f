"""The ``simulate`` subcommand: argparse wiring, help text, a short real run."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from chargegrid.sim.cli import register, simulate

from .fake_csms import FakeCSMS

SRC = Path(__file__).resolve().parents[2] / "src"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chargegrid")
    register(p.add_subparsers(dest="command"))
    return p


def test_register_adds_simulate_with_defaults() -> None:
    args = parser().parse_args(["simulate", "--count", "5", "--version", "2.0.1"])
    assert args.count == 5 and args.version == "2.0.1" and args.scenario == "idle"
    assert args.url == "ws://127.0.0.1:8081/OCPP" and args.id_prefix == "sim"
    assert callable(args.func)


@pytest.mark.parametrize(
    "bad", [["--count", "0"], ["--version", "1.5"], ["--scenario", "x"], ["--rate", "-1"]]
)
def test_bad_arguments_are_refused(bad: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(["simulate", *bad])
    assert exc.value.code == 2


def test_help_mentions_every_option() -> None:
    text = subprocess.run(
        [sys.executable, "-m", "chargegrid.sim", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC)},
    ).stdout
    for word in ("--url", "--count", "--version", "--id-prefix", "--password", "--scenario", "--rate"):
        assert word in text


async def test_short_run_boots_everyone(capsys: pytest.CaptureFixture[str]) -> None:
    async with FakeCSMS("1.6") as csms:
        args = parser().parse_args(
            ["simulate", "--url", csms.url, "--count", "4", "--duration", "1.5", "--heartbeat", "0.5"]
        )
        code = await asyncio.wait_for(simulate(args), 15)
        assert code == 0
        assert csms.actions().count("BootNotification") == 4
        err = capsys.readouterr().err
        assert "connected" in err and "booted (at least once): 4/4" in err
        assert csms.violations == []


async def test_exit_code_is_1_when_nobody_boots() -> None:
    args = parser().parse_args(
        ["simulate", "--url", "ws://127.0.0.1:9/OCPP", "--count", "1", "--duration", "0.5", "--quiet"]
    )
    assert await asyncio.wait_for(simulate(args), 15) == 1
