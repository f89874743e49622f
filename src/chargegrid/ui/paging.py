"""Paging and sorting of the UI's lists: read from the query string, checked, handed to the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chargegrid.store.console import Order

PER_PAGE = 50
PER_PAGE_CHOICES = (25, 50, 100, 200)


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int
    sort: str
    descending: bool
    total: int = 0

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def first_row(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_row(self) -> int:
        return min(self.page * self.per_page, self.total)

    def order(self, columns: dict[str, Any], tie: Any) -> Order:
        return Order((self.page - 1) * self.per_page, self.per_page, columns[self.sort], self.descending, tie)

    def with_total(self, total: int) -> Paging:
        """The same paging once the list's size is known (a page beyond the end shows the last)."""
        pages = max((total + self.per_page - 1) // self.per_page, 1)
        return Paging(min(self.page, pages), self.per_page, self.sort, self.descending, total)

    def params(self) -> dict[str, Any]:
        return {"page": self.page, "per": self.per_page, "sort": self.sort, "dir": self.direction}

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"


def read(
    page: str, per: str, sort: str, direction: str, allowed: dict[str, Any], default: str, *, desc: bool
) -> Paging:
    """Paging from query parameters; anything unusable falls back to the default (never an error)."""
    try:
        number = max(int(page), 1)
    except ValueError:
        number = 1
    try:
        size = int(per)
    except ValueError:
        size = PER_PAGE
    if size not in PER_PAGE_CHOICES:
        size = PER_PAGE
    key = sort if sort in allowed else default
    descending = direction == "desc" if direction in ("asc", "desc") else (desc and key == default)
    return Paging(number, size, key, descending)
