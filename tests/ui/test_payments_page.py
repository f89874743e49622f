"""The payments page lists reservations with state and amounts, and only exists when payments are on."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from chargegrid.store.payment_models import PaymentReservation
from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user


async def _logged_in(server: Any) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server.http_url, timeout=30)
    page = await client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    await client.post(
        "/ui/login", data={"name": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": token.group(1)}
    )
    return client


async def test_payments_page_shows_reservations(server_factory: Any) -> None:
    async with server_factory(stripe={"api_key": "sk_test_ui", "api_base": "http://127.0.0.1:9"}) as srv:
        await add_user(srv, ADMIN, ADMIN_PASSWORD, "admin")
        await srv.add_charge_point("PAYCP")
        async with srv.services.db.begin() as db:
            db.add(
                PaymentReservation(
                    id=str(uuid.uuid4()),
                    charge_point_id="PAYCP",
                    connector_id=1,
                    charge_tag_id="<b>DRIVER</b>",
                    id_tag="CGPAYTESTTAG0000001",
                    remote_start_id=4242,
                    state="Completed",
                    currency="eur",
                    price_per_kwh="0.49",
                    session_fee="0",
                    max_energy_kwh="80",
                    max_amount_cents=3920,
                    amount_authorized_cents=3920,
                    amount_captured_cents=655,
                    final_amount_cents=655,
                    energy_kwh=13.37,
                    payment_deadline=datetime.now(UTC),
                    start_deadline=datetime.now(UTC),
                )
            )
        client = await _logged_in(srv)
        try:
            overview = await client.get("/")
            assert 'href="/ui/payments"' in overview.text
            page = await client.get("/ui/payments")
        finally:
            await client.aclose()
    assert page.status_code == 200
    assert "39.20 EUR" in page.text and "6.55 EUR" in page.text and "Completed" in page.text
    assert "&lt;b&gt;DRIVER&lt;/b&gt;" in page.text


async def test_no_payments_page_when_payments_are_off(server: Any) -> None:
    await add_user(server, ADMIN, ADMIN_PASSWORD, "admin")
    client = await _logged_in(server)
    try:
        assert 'href="/ui/payments"' not in (await client.get("/")).text
        assert (await client.get("/ui/payments")).status_code == 404
    finally:
        await client.aclose()
