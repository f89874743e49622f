"""Fixtures of the security tests: the Stripe stand-in (for the held-payment test) is the payments tests'."""

from tests.payments.conftest import fake_stripe  # noqa: F401
