from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from chargegrid.payments.gateway import StripeGateway
from tests.fakes.stripe_api import FakeStripe


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
async def gateway(fake_stripe: FakeStripe) -> AsyncIterator[StripeGateway]:
    gw = StripeGateway(fake_stripe.api_key, fake_stripe.base_url, "eur")
    yield gw
    await gw.aclose()
