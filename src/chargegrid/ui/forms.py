"""Reading posted form fields, with error messages that say which field is wrong and how to fix it.

Each reader takes the page's `_` (gettext) so the message is in the reader's language; the label is
passed already translated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from starlette.datastructures import FormData


class FormError(ValueError):
    """A field's value is not acceptable; the message names the field and what is."""


Gettext = Callable[[str], str]


def _english(text: str) -> str:
    return text


def text(
    form: FormData, name: str, label: str, max_length: int, *, required: bool = False, _: Gettext = _english
) -> str | None:
    value = str(form.get(name) or "").strip()
    if not value:
        if required:
            raise FormError(_("%s is required.") % label)
        return None
    if len(value) > max_length:
        raise FormError(
            _("%(label)s is %(length)s characters long; at most %(most)s are allowed.")
            % {"label": label, "length": len(value), "most": max_length}
        )
    return value


def number(form: FormData, name: str, label: str, _: Gettext = _english) -> float | None:
    value = str(form.get(name) or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        result = float(value)
    except ValueError:
        raise FormError(
            _("%(label)s must be a number like 0.35 (got %(value)r).") % {"label": label, "value": value}
        ) from None
    if result < 0:
        raise FormError(_("%(label)s cannot be negative (got %(value)s).") % {"label": label, "value": value})
    return result


def utc_datetime(
    form: FormData, name: str, label: str, zone: tzinfo = UTC, _: Gettext = _english
) -> datetime | None:
    """A `datetime-local` field, read in `zone` (the reader's time zone), as UTC."""
    value = str(form.get(name) or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FormError(
            _("%(label)s must be a date and time like 2030-12-31T23:59 (got %(value)r).")
            % {"label": label, "value": value}
        ) from None
    return (parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed).astimezone(UTC)


def checkbox(form: FormData, name: str) -> bool:
    return form.get(name) in ("1", "on", "true")
