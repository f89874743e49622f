"""The authorization decision on its own (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chargegrid.domain.authorization import AuthStatus, decide
from chargegrid.store.models import ChargeTag

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def tag(tag_id: str, **kw: object) -> ChargeTag:
    return ChargeTag(tag_id=tag_id, blocked=kw.pop("blocked", False), **kw)


def test_decisions() -> None:
    assert decide(None, None, NOW).status is AuthStatus.unknown
    assert decide(tag("A"), None, NOW).status is AuthStatus.accepted
    assert decide(tag("A", blocked=True), None, NOW).status is AuthStatus.blocked
    assert decide(tag("A", expiry=NOW), None, NOW).status is AuthStatus.expired
    assert (
        decide(tag("A", parent_tag_id="G"), tag("G", expiry=NOW - timedelta(1)), NOW).status
        is AuthStatus.expired
    )
    assert decide(tag("A", parent_tag_id="G"), tag("G", blocked=True), NOW).status is AuthStatus.blocked
    assert decide(tag("A"), None, NOW, in_transaction=True).status is AuthStatus.accepted
    busy = decide(tag("A"), None, NOW, in_transaction=True, deny_concurrent=True)
    assert busy.status is AuthStatus.concurrent_tx
    assert decide(tag("A", parent_tag_id="G"), None, NOW).parent_id == "G"
