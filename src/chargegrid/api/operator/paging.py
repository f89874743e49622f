"""Motown's paging envelope {"href", "previous", "next", "first", "last", "elements"}; no link = ""."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request

from chargegrid.api.operator.common import refuse

MAX_LIMIT = 100


class Page:
    def __init__(self, offset: int, limit: int) -> None:
        self.offset = offset
        self.limit = limit


def page_params(offset: str = Query("0"), limit: str = Query("10")) -> Page:
    """offset >= 0 and 1 <= limit <= 100; anything else is a 400 that says so."""
    try:
        offset_value, limit_value = int(offset), int(limit)
    except ValueError:
        raise refuse(
            400, f"offset and limit must be integers (got offset={offset!r}, limit={limit!r})"
        ) from None
    if offset_value < 0:
        raise refuse(400, f"offset must be 0 or more (got {offset_value})")
    if not 1 <= limit_value <= MAX_LIMIT:
        raise refuse(400, f"limit must be between 1 and {MAX_LIMIT} (got {limit_value})")
    return Page(offset_value, limit_value)


def envelope(request: Request, page: Page, total: int, elements: list[Any]) -> dict[str, Any]:
    """An offset past the end is an empty page whose `previous` points at the last real page."""

    def link(offset: int) -> str:
        return str(request.url.include_query_params(offset=offset, limit=page.limit))

    last_offset = max(0, (total - 1) // page.limit * page.limit)
    previous = ""
    if page.offset > 0:
        previous = link(min(max(0, page.offset - page.limit), last_offset))
    return {
        "href": link(page.offset),
        "previous": previous,
        "next": link(page.offset + page.limit) if page.offset + page.limit < total else "",
        "first": link(0),
        "last": link(last_offset),
        "elements": elements,
    }
