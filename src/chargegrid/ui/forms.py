"""Reading posted form fields, with error messages that say which field is wrong and how to fix it."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from starlette.datastructures import FormData


class FormError(ValueError):
    """A field's value is not acceptable; the message names the field and what is."""


def text(form: FormData, name: str, label: str, max_length: int, *, required: bool = False) -> str | None:
    value = str(form.get(name) or "").strip()
    if not value:
        if required:
            raise FormError(f"{label} is required.")
        return None
    if len(value) > max_length:
        raise FormError(f"{label} is {len(value)} characters long; at most {max_length} are allowed.")
    return value


def number(form: FormData, name: str, label: str) -> float | None:
    value = str(form.get(name) or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        result = float(value)
    except ValueError:
        raise FormError(f"{label} must be a number like 0.35 (got {value!r}).") from None
    if result < 0:
        raise FormError(f"{label} cannot be negative (got {value}).")
    return result


def utc_datetime(form: FormData, name: str, label: str, zone: tzinfo = UTC) -> datetime | None:
    """A `datetime-local` field, read in `zone` (the reader's time zone), as UTC."""
    value = str(form.get(name) or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FormError(f"{label} must be a date and time like 2030-12-31T23:59 (got {value!r}).") from None
    return (parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed).astimezone(UTC)


def checkbox(form: FormData, name: str) -> bool:
    return form.get(name) in ("1", "on", "true")
