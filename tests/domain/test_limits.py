"""Charging limit texts as operators write them."""

from __future__ import annotations

import pytest

from chargegrid.domain.limits import Limit, LimitError, parse_limit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2000W", Limit(2000, "W")),
        ("16A", Limit(16, "A")),
        ("16a", Limit(16, "A")),
        ("11kW", Limit(11000, "W")),
        ("7.4kw", Limit(7400, "W")),
        (" 32 A ", Limit(32, "A")),
        ("6,5A", Limit(6.5, "A")),
    ],
)
def test_valid_limits(text: str, expected: Limit) -> None:
    assert parse_limit(text) == expected


@pytest.mark.parametrize("text", ["", "2000", "W", "16 amps", "-5A", "0W", "1e3W", "abc"])
def test_invalid_limits_say_what_to_write(text: str) -> None:
    with pytest.raises(LimitError, match=r"2000W or 16A|greater than zero"):
        parse_limit(text)
