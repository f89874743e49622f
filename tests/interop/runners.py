"""Drivers for charger implementations nobody here wrote, pointed at our server.

* ``run_ocpp_rpc_charger``: a charge point built on the npm ``ocpp-rpc`` RPCClient in strict
  mode (tests/interop/ocpp_rpc_charger.mjs, run with node). It validates every message both
  ways against ocpp-rpc's own copy of the OCPP 1.6 / 2.0.1 schemas and runs boot, status,
  authorize and a whole transaction.
* ``run_test_ocpp``: PyPI ``test-ocpp`` (1.0.0). It is a library as well as a CLI
  (``test-ocpp URL CP_ID [--ocpp 1.6|2.0.1] [--password PW]``): its
  ``test_ocpp.check_connection(url_base, cp_id, ...)`` connects to ``url_base + "/" + cp_id``,
  offers exactly one subprotocol, sends BootNotification then Heartbeat and returns a
  ``ConnectionResult``; it raises on HTTP rejection (``InvalidStatus``), close, timeout or
  CALLERROR. Basic auth only when ``username`` or ``password`` is given (user defaults to
  the cp id). It does NOT fail on a Rejected/Pending boot or on an unaccepted subprotocol,
  so callers must check ``boot_notification["status"]`` and ``subprotocol`` themselves.
  ``run_test_ocpp_cli`` runs the console script the way a person would.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INTEROP_DIR = Path(__file__).resolve().parent
CHARGER_SCRIPT = INTEROP_DIR / "ocpp_rpc_charger.mjs"
OCPP_RPC_PACKAGE = INTEROP_DIR / "node_modules" / "ocpp-rpc" / "package.json"


def ocpp_rpc_unavailable_reason() -> str | None:
    """Why the ocpp-rpc charger can't run here, or None if it can."""
    if shutil.which("node") is None:
        return "node is not installed (needed for the ocpp-rpc interop charger)"
    if not OCPP_RPC_PACKAGE.exists():
        return f"npm package ocpp-rpc is not installed: run `npm ci --prefix {INTEROP_DIR}`"
    return None


def missing_test_ocpp_reason() -> str | None:
    try:
        import test_ocpp  # noqa: F401
    except ImportError:
        return "PyPI package test-ocpp is not installed: pip install test-ocpp"
    return None


class InteropChargerError(AssertionError):
    """A third-party charger run failed; carries what it printed."""

    def __init__(
        self, message: str, *, stderr: str = "", summary: dict | None = None, steps: list[dict] | None = None
    ) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.summary = summary
        self.steps = steps or []


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str = ""
    lines: list[str] = field(default_factory=list)


async def run_ocpp_rpc_charger(
    url_base: str,
    cp_id: str,
    version: str,
    tag: str,
    password: str | None = None,
    *,
    timeout_s: float = 20,
) -> dict[str, Any]:
    """Run the ocpp-rpc strict-mode charger scenario; return its JSON summary.

    ``url_base`` is e.g. ``ws://127.0.0.1:PORT/OCPP`` (the charge point id is appended).
    The summary has ``bootStatus``, ``authorizeStatus``, ``transactionId`` (int on 1.6, the
    charger's UUID string on 2.0.1), ``meterStart``/``meterStop`` (Wh), ``protocol``,
    ``serverCalls`` (calls our server made to the charger) and ``steps`` (each request and
    response, in order). Raises InteropChargerError with node's stderr on any failure.
    """
    reason = ocpp_rpc_unavailable_reason()
    if reason:
        raise InteropChargerError(reason)
    cmd = [
        shutil.which("node") or "node",
        str(CHARGER_SCRIPT),
        "--url",
        url_base,
        "--id",
        cp_id,
        "--version",
        version,
        "--tag",
        tag,
        "--timeout",
        str(timeout_s),
    ]
    if password is not None:
        cmd += ["--password", password]
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        cwd=INTEROP_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out_b, err_b = await asyncio.wait_for(proc.communicate(), timeout_s + 10)
    except TimeoutError:
        proc.kill()
        out_b, err_b = await proc.communicate()
        raise InteropChargerError(
            f"ocpp-rpc charger {cp_id} ({version}) hung past {timeout_s + 10}s; stderr:\n{err_b.decode()}",
            stderr=err_b.decode(),
        ) from None
    out, err = out_b.decode(), err_b.decode()
    steps: list[dict] = []
    summary: dict | None = None
    for line in out.splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "summary" in obj:
            summary = obj["summary"]
        elif "step" in obj:
            steps.append(obj)
    if proc.returncode != 0 or summary is None or not summary.get("ok"):
        done = ", ".join(s["step"] for s in steps) or "none"
        raise InteropChargerError(
            f"ocpp-rpc charger {cp_id} ({version}) failed with exit code {proc.returncode}; "
            f"steps done: {done}\nstderr:\n{err.strip() or '(empty)'}",
            stderr=err,
            summary=summary,
            steps=steps,
        )
    summary["steps"] = steps
    return summary


async def run_test_ocpp(
    url_base: str,
    cp_id: str,
    password: str | None = None,
    *,
    version: str = "1.6",
    username: str | None = None,
    timeout_s: float = 10,
    log: list[str] | None = None,
):
    """Run PyPI test-ocpp's boot + heartbeat check in-process; return its ConnectionResult.

    ``result.subprotocol``, ``result.boot_notification`` (the BootNotification response
    payload) and ``result.heartbeat`` are what our server answered. Raises what
    ``test_ocpp.check_connection`` raises: ``websockets.exceptions.InvalidStatus`` for an
    HTTP rejection (e.g. 401 on bad credentials), ``ConnectionClosed``, ``TimeoutError``,
    ``test_ocpp.CallError`` for a CALLERROR. Pass a list as ``log`` to collect the traffic.
    """
    from test_ocpp import check_connection

    return await check_connection(
        url_base,
        cp_id,
        ocpp=version,
        username=username,
        password=password,
        timeout=timeout_s,
        log=log.append if log is not None else (lambda _m: None),
    )


async def run_test_ocpp_cli(
    url_base: str,
    cp_id: str,
    password: str | None = None,
    *,
    version: str = "1.6",
    timeout_s: float = 10,
) -> CliResult:
    """Run the ``test-ocpp`` command line (via ``python -m test_ocpp``); exit 0 means SUCCESS."""
    cmd = [sys.executable, "-m", "test_ocpp", url_base, cp_id, "--ocpp", version, "--timeout", str(timeout_s)]
    if password is not None:
        cmd += ["--password", password]
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    out_b, err_b = await asyncio.wait_for(proc.communicate(), timeout_s * 3 + 10)
    out = out_b.decode()
    return CliResult(proc.returncode or 0, out, err_b.decode(), out.splitlines())
