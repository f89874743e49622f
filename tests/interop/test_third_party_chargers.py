"""Charger implementations nobody here wrote, against the real server (SQLite and PostgreSQL).

* PyPI ``test-ocpp``: boot + heartbeat, with and without HTTP Basic auth, as library and CLI.
* npm ``ocpp-rpc`` RPCClient in strict mode (tests/interop/ocpp_rpc_charger.mjs): it validates
  every frame both ways against its own copy of the OCPP schemas, so any schema-invalid answer
  of ours fails the run. Boot, status, authorize and a whole transaction on 1.6 and 2.0.1.

What the chargers were told is checked against what the server recorded in its database.
The ocpp-rpc tests skip when node or tests/interop/node_modules is missing, except under
CI=true, where a missing tool is a failure (scripts/test installs both).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import websockets
from sqlalchemy import select

from chargegrid.store.models import ChargePoint, ConnectorStatus, MessageLogEntry, MeterValue, Transaction
from tests.interop.runners import (
    InteropChargerError,
    missing_test_ocpp_reason,
    ocpp_rpc_unavailable_reason,
    run_ocpp_rpc_charger,
    run_test_ocpp,
    run_test_ocpp_cli,
)
from tests.support.server import RunningServer

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
VERSIONS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}
PASSWORD = "interop-secret-0123456789"


def require_ocpp_rpc() -> None:
    reason = ocpp_rpc_unavailable_reason()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the interop charger must run, not be skipped)")
    pytest.skip(reason)


def require_test_ocpp() -> None:
    # test-ocpp is a declared test dependency (pyproject [test]): missing it is always an error.
    reason = missing_test_ocpp_reason()
    if reason:
        pytest.fail(reason)


async def charge_point(server: RunningServer, cp_id: str) -> ChargePoint:
    async with server.services.db() as db:
        cp = await db.get(ChargePoint, cp_id)
    assert cp is not None, f"{cp_id} was not stored"
    return cp


async def logged_answers(server: RunningServer, cp_id: str, action: str) -> list[str]:
    """Payloads of the server's answers to `action` from `cp_id`, from the OCPP message log."""
    async with server.services.db() as db:
        rows = await db.scalars(
            select(MessageLogEntry.payload).where(
                MessageLogEntry.charge_point_id == cp_id,
                MessageLogEntry.direction == "out",
                MessageLogEntry.action == action,
            )
        )
        return list(rows.all())


# ------------------------------------------------------------------------------------ test-ocpp


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_test_ocpp_boots_and_heartbeats(server: RunningServer, version: str) -> None:
    require_test_ocpp()
    cp_id = f"TO-{version}"
    await server.add_charge_point(cp_id)

    result = await run_test_ocpp(server.ocpp_url, cp_id, version=version)

    assert result.subprotocol == VERSIONS[version]
    assert result.boot_notification["status"] == "Accepted"
    assert result.boot_notification["interval"] == server.settings.heartbeat_interval
    assert result.heartbeat["currentTime"]
    cp = await charge_point(server, cp_id)
    assert (cp.vendor, cp.model, cp.protocol) == ("TestVendor", "TestModel", VERSIONS[version])
    assert cp.last_boot is not None
    await server.wait_for(lambda: _heartbeat_seen(server, cp_id))


async def _heartbeat_seen(server: RunningServer, cp_id: str) -> bool:
    return (await charge_point(server, cp_id)).last_heartbeat is not None


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_test_ocpp_with_basic_auth(server: RunningServer, version: str) -> None:
    require_test_ocpp()
    cp_id = f"TO-AUTH-{version}"
    await server.add_charge_point(cp_id, password=PASSWORD)

    result = await run_test_ocpp(server.ocpp_url, cp_id, PASSWORD, version=version)
    assert result.subprotocol == VERSIONS[version]
    assert result.boot_notification["status"] == "Accepted"
    assert (await charge_point(server, cp_id)).last_boot is not None

    with pytest.raises(websockets.InvalidStatus) as refused:
        await run_test_ocpp(server.ocpp_url, cp_id, "wrong-password", version=version)
    assert refused.value.response.status_code == 401
    with pytest.raises(websockets.InvalidStatus) as refused:
        await run_test_ocpp(server.ocpp_url, cp_id, None, version=version)
    assert refused.value.response.status_code == 401


async def test_test_ocpp_command_line(server: RunningServer) -> None:
    """The console script as an operator would run it: exit 0 + SUCCESS, or exit 1 + the HTTP status."""
    require_test_ocpp()
    await server.add_charge_point("TO-CLI", password=PASSWORD)

    ok = await run_test_ocpp_cli(server.ocpp_url, "TO-CLI", PASSWORD, version="2.0.1")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.lines[-1] == "SUCCESS"
    assert "BootNotification status: Accepted" in ok.stdout

    refused = await run_test_ocpp_cli(server.ocpp_url, "TO-CLI", None)
    assert refused.returncode == 1
    assert "HTTP 401" in refused.stdout


async def test_test_ocpp_unknown_charger_under_accept_policy(server_factory: Any) -> None:
    require_test_ocpp()
    async with server_factory(unknown_chargers="accept") as srv:
        result = await run_test_ocpp(srv.ocpp_url, "TO-NEWCOMER", version="1.6")
        assert result.boot_notification["status"] == "Accepted"
        assert (await charge_point(srv, "TO-NEWCOMER")).vendor == "TestVendor"


# ------------------------------------------------------------------------ ocpp-rpc strict mode


@pytest.mark.parametrize("auth", ["no-auth", "basic-auth"])
@pytest.mark.parametrize("version", list(VERSIONS))
async def test_ocpp_rpc_strict_charger_runs_a_whole_session(
    server: RunningServer, version: str, auth: str
) -> None:
    require_ocpp_rpc()
    cp_id = f"RPC-{version}-{auth}"
    tag = "RPC-TAG-0001"
    password = PASSWORD if auth == "basic-auth" else None
    await server.add_charge_point(cp_id, password=password)
    await server.add_tag(tag)

    summary = await run_ocpp_rpc_charger(server.ocpp_url, cp_id, version, tag, password)

    # What the charger saw (every frame already passed ocpp-rpc's strict schema validation).
    assert summary["protocol"] == VERSIONS[version]
    assert summary["bootStatus"] == "Accepted"
    assert summary["authorizeStatus"] == "Accepted"
    assert summary["transactionStartStatus"] in ("Accepted", None)  # 2.0.1 may omit idTokenInfo
    assert summary["strictValidationFailures"] == []
    unanswered = [c for c in summary["serverCalls"] if c["answered"] == "NotImplemented"]
    assert unanswered == [], f"the server sent calls this charger does not implement: {unanswered}"

    # What the server recorded.
    cp = await charge_point(server, cp_id)
    assert (cp.vendor, cp.model, cp.protocol) == ("ocpp-rpc", "strict-interop", VERSIONS[version])
    assert cp.serial_number == f"SN-{cp_id}" and cp.firmware_version == "2.2.1"
    assert cp.last_boot is not None

    async with server.services.db() as db:
        txs = (await db.scalars(select(Transaction).where(Transaction.charge_point_id == cp_id))).all()
        assert len(txs) == 1, txs
        tx = txs[0]
        if version == "1.6":
            assert tx.id == summary["transactionId"]
        else:
            assert tx.charger_transaction_id == summary["transactionId"]
        assert tx.connector_id == 1
        assert tx.start_tag_id == tag
        assert tx.meter_start == pytest.approx(summary["meterStart"] / 1000)
        assert tx.meter_stop == pytest.approx(summary["meterStop"] / 1000)
        assert tx.stop_time is not None and tx.stop_time >= tx.start_time
        assert tx.stop_reason == "Local"

        energy = (
            await db.scalars(
                select(MeterValue.value).where(
                    MeterValue.transaction_id == tx.id,
                    MeterValue.measurand == "Energy.Active.Import.Register",
                )
            )
        ).all()
        assert pytest.approx(1.75) in energy, energy  # the periodic sample between start and stop

        connector = await db.get(ConnectorStatus, (cp_id, 1))
        assert connector is not None and connector.status == "Available"

    # The authorization: the server's Authorize answer, from its message log (written in batches).
    async def authorize_logged() -> bool:
        return any('"Accepted"' in p for p in await logged_answers(server, cp_id, "Authorize"))

    await server.wait_for(authorize_logged, timeout=5)


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_ocpp_rpc_strict_charger_with_unknown_tag_is_refused(
    server: RunningServer, version: str
) -> None:
    require_ocpp_rpc()
    cp_id = f"RPC-BADTAG-{version}"
    await server.add_charge_point(cp_id)

    with pytest.raises(InteropChargerError) as failed:
        await run_ocpp_rpc_charger(server.ocpp_url, cp_id, version, "NO-SUCH-TAG")

    assert failed.value.summary is not None
    assert failed.value.summary["bootStatus"] == "Accepted"
    # 1.6 has no better word than Invalid; 2.0.1 says Unknown for a token it has never heard of.
    assert failed.value.summary["authorizeStatus"] == {"1.6": "Invalid", "2.0.1": "Unknown"}[version]
    assert failed.value.summary["strictValidationFailures"] == []
    async with server.services.db() as db:
        assert (await db.scalars(select(Transaction).where(Transaction.charge_point_id == cp_id))).all() == []


async def test_ocpp_rpc_strict_charger_with_wrong_password_is_refused(server: RunningServer) -> None:
    require_ocpp_rpc()
    await server.add_charge_point("RPC-LOCKED", password=PASSWORD)

    with pytest.raises(InteropChargerError) as failed:
        await run_ocpp_rpc_charger(server.ocpp_url, "RPC-LOCKED", "1.6", "ANY", "not-the-password")

    assert "Unauthorized" in failed.value.stderr
    assert (await charge_point(server, "RPC-LOCKED")).last_boot is None
