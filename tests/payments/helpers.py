"""Shared pieces of the payment flow tests: a server wired to the Stripe stand-in, and charger steps."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

import httpx
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.fakes.stripe_api import FakeStripe
from tests.support.server import RunningServer

SECRET = "whsec_test_payments_flow"
RETURN_BASE = "https://app.example/pay"
ServerFactory = Callable[..., AbstractAsyncContextManager[RunningServer]]


def payment_settings(fake: FakeStripe, **payments: Any) -> dict[str, Any]:
    return {
        "stripe": {
            "api_key": fake.api_key,
            "api_base": fake.base_url,
            "webhook_secret": SECRET,
            "return_base_url": RETURN_BASE,
        },
        "payments": {
            "price_per_kwh": 0.49,
            "max_session_kwh": 80,
            "session_fee": 0.5,
            "sweep_interval_seconds": 0.1,
            "confirm_grace_seconds": 3600,  # tests confirm themselves unless they say otherwise
            "retry_delay_seconds": 0.1,
            **payments,
        },
        # These flows compress hours of charging into seconds, which the plausibility rules would flag
        # (and hold): lift the power cap here; tests/security/test_plausibility.py tests the hold.
        "security": {"max_connector_kw": 1e12},
    }


@contextlib.asynccontextmanager
async def paid_server(
    factory: ServerFactory, fake: FakeStripe, **payments: Any
) -> AsyncIterator[RunningServer]:
    async with factory(**payment_settings(fake, **payments)) as srv:
        yield srv


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def create(
    api: httpx.AsyncClient, cp_id: str, connector: int = 1, tag: str = "DRIVER", **extra: Any
) -> httpx.Response:
    body = {"chargePointId": cp_id, "connectorId": connector, "chargeTagId": tag, **extra}
    return await api.post("/API/Payments/Create", json=body)


async def reservation(api: httpx.AsyncClient, reservation_id: str) -> dict[str, Any]:
    answer = await api.get(f"/API/Payments/{reservation_id}")
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


async def wait_state(
    srv: RunningServer, api: httpx.AsyncClient, reservation_id: str, state: str
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def reached() -> bool:
        seen.update(await reservation(api, reservation_id))
        return seen["state"] == state

    try:
        await srv.wait_for(reached, timeout=10)
    except AssertionError:
        raise AssertionError(f"reservation never became {state}: {seen}") from None
    return seen


def session_of(fake: FakeStripe, reservation_id: str) -> dict[str, Any]:
    [session] = [s for s in fake.sessions.values() if s["metadata"].get("reservation_id") == reservation_id]
    return session


def pi_of(fake: FakeStripe, reservation_id: str) -> dict[str, Any]:
    return fake.payment_intents[session_of(fake, reservation_id)["payment_intent"]]


async def status16(charger: Any, status: str, connector: int = 1) -> None:
    await charger.call(call16.StatusNotification(connector_id=connector, error_code="NoError", status=status))


async def status201(charger: Any, status: str, evse: int = 1) -> None:
    await charger.call(
        call201.StatusNotification(timestamp=now(), connector_status=status, evse_id=evse, connector_id=1)
    )


def energy_wh(value: float, context: str | None = None) -> dict[str, Any]:
    sample: dict[str, Any] = {
        "value": value,
        "measurand": "Energy.Active.Import.Register",
        "unit_of_measure": {"unit": "Wh"},
    }
    if context:
        sample["context"] = context
    return {"timestamp": now(), "sampled_value": [sample]}


async def tx_event201(
    charger: Any, event_type: str, seq: int, tag: str, remote_start_id: int, meter_wh: float, context: str
) -> Any:
    return await charger.call(
        call201.TransactionEvent(
            event_type=event_type,
            timestamp=now(),
            trigger_reason="RemoteStart" if event_type == "Started" else "StopAuthorized",
            seq_no=seq,
            transaction_info={"transaction_id": "TX-201-A", "remote_start_id": remote_start_id},
            id_token={"id_token": tag, "type": "Central"},
            evse={"id": 1, "connector_id": 1},
            meter_value=[energy_wh(meter_wh, context)],
        )
    )
