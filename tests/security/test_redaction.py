"""Secrets sent to chargers stay off the record: not in the message log's rows, not on the UI's Messages
page, not in the operator API's command records."""

from __future__ import annotations

import re

import orjson
from sqlalchemy import select

from chargegrid.security.redaction import _MARKERS, MASK, might_hold_secret, redact, redact_frame
from chargegrid.store.command_models import CommandRecord
from chargegrid.store.models import MessageLogEntry
from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user

SECRET = "Sup3r-Secret-Charger-Key-42"


async def _logged(server: RunningServer, cp_id: str, action: str) -> list[MessageLogEntry]:
    """The charger's log rows once both frames of `action` are written (the log trails by design)."""
    rows: list[MessageLogEntry] = []

    async def written() -> bool:
        nonlocal rows
        await server.services.edge.message_log.flush()
        async with server.services.db() as db:
            query = select(MessageLogEntry).where(MessageLogEntry.charge_point_id == cp_id)
            rows = list((await db.scalars(query)).all())
        return sum(1 for r in rows if r.action == action) >= 2

    await server.wait_for(written)
    return rows


def test_redact_masks_the_known_secret_places_and_nothing_else() -> None:
    change = [2, "1", "ChangeConfiguration", {"key": "AuthorizationKey", "value": SECRET}]
    assert redact(change) == [2, "1", "ChangeConfiguration", {"key": "AuthorizationKey", "value": MASK}]
    other = [2, "2", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "300"}]
    assert redact_frame(orjson.dumps(other).decode()) == orjson.dumps(other).decode()
    set_variables = {
        "setVariableData": [
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "attributeValue": SECRET,
            },
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "attributeValue": "60",
            },
        ]
    }
    cleaned = redact(set_variables)["setVariableData"]
    assert cleaned[0]["attributeValue"] == MASK and cleaned[1]["attributeValue"] == "60"
    network = {
        "configurationSlot": 1,
        "connectionData": {
            "ocppCsmsUrl": "wss://csms.example/OCPP",
            "apn": {"apn": "internet", "apnPassword": SECRET, "apnAuthentication": "AUTO"},
            "vpn": {"server": "vpn.example", "user": "u", "password": SECRET, "key": SECRET, "type": "IPSec"},
        },
    }
    text = orjson.dumps(redact(network)).decode()
    assert SECRET not in text and "vpn.example" in text and "csms.example" in text
    assert SECRET not in redact_frame('[2,"x","DataTransfer",{"data":{"privateKey":"' + SECRET + '"}}]')
    # Public certificates are kept: an operator needs them to see what went wrong.
    assert "BEGIN CERTIFICATE" in redact_frame(
        '[2,"c","CertificateSigned",{"certificateChain":"-----BEGIN CERTIFICATE-----"}]'
    )


def test_every_marker_word_in_any_case_gets_a_frame_redacted() -> None:
    # The quick check that lets secret-free frames through unparsed spells its words out for speed: a
    # word missing there would let that secret into the log. (The value holds no marker word itself.)
    value = "hunter2-42"
    for marker in _MARKERS:
        if marker == '"key"':  # a VPN's key: the only marker that is no field name of its own
            frame = '[2,"n","SetNetworkProfile",{"connectionData":{"vpn":{"Key":"' + value + '"}}}]'
            assert might_hold_secret(frame), marker
            continue
        frame = '[2,"m","DataTransfer",{"data":{"' + marker.upper() + '":"' + value + '"}}]'
        assert value not in redact_frame(frame), marker
    assert not might_hold_secret('[2,"h","MeterValues",{"connectorId":1,"value":"' + value + '"}]')


async def test_authorization_key_is_in_neither_the_log_rows_nor_the_messages_page(
    server: RunningServer,
) -> None:
    await server.add_charge_point("CP-KEY")
    await add_user(server, ADMIN, ADMIN_PASSWORD, "admin")
    async with connected(server, "CP-KEY") as charger, server.api() as api:
        answer = await api.get(f"/API/ChangeConfiguration/CP-KEY/AuthorizationKey/{SECRET}")
        assert answer.status_code == 200, answer.text
        assert charger.rec.last("ChangeConfiguration")["value"] == SECRET  # the charger did get it
    await server.services.edge.message_log.flush()
    async with server.services.db() as db:
        rows = (
            await db.scalars(select(MessageLogEntry).where(MessageLogEntry.charge_point_id == "CP-KEY"))
        ).all()
    logged = [r for r in rows if r.action == "ChangeConfiguration"]
    assert len(logged) == 2 and all(SECRET not in r.payload for r in rows)
    assert any(MASK in r.payload and "AuthorizationKey" in r.payload for r in logged)

    async with server.api(headers={}) as browser:
        login = await browser.get("/ui/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        await browser.post(
            "/ui/login", data={"name": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": token.group(1)}
        )
        page = await browser.get("/ui/messages", params={"cp": "CP-KEY"})
    assert page.status_code == 200 and "ChangeConfiguration" in page.text
    assert SECRET not in page.text and "redacted" in page.text


async def test_basic_auth_password_set_on_201_and_operator_records_are_redacted(
    server: RunningServer,
) -> None:
    await server.add_charge_point("CP-KEY2")
    async with connected(server, "CP-KEY2", "ocpp2.0.1") as charger, server.api() as api:
        answer = await api.get(f"/API/ChangeConfiguration/CP-KEY2/SecurityCtrlr.BasicAuthPassword/{SECRET}")
        assert answer.status_code == 200, answer.text
        assert SECRET in str(charger.rec.last("SetVariables"))
        posted = await api.post(
            "/charging-stations/CP-KEY2/commands",
            json=[
                "RequestChangeConfigurationItem",
                {"key": "SecurityCtrlr.BasicAuthPassword", "value": SECRET},
            ],
        )
        assert posted.status_code == 202, posted.text
    await server.services.edge.message_log.flush()
    async with server.services.db() as db:
        rows = (
            await db.scalars(select(MessageLogEntry).where(MessageLogEntry.charge_point_id == "CP-KEY2"))
        ).all()
        records = (await db.scalars(select(CommandRecord))).all()
    assert any(r.action == "SetVariables" for r in rows)
    assert all(SECRET not in r.payload for r in rows)
    assert len(records) == 1 and MASK in orjson.dumps(records[0].payload).decode()
    assert all(SECRET not in orjson.dumps(r.payload).decode() for r in records)
