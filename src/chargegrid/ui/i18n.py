"""Language and time zone of each page: gettext catalogues (Babel) and times in the reader's zone.

The catalogues are the `.po` files under `ui/locale/`; they are compiled in memory with Babel when
first needed, so a fresh clone installed with `pip install -e .` needs no build step. The language is
the user's setting, else the browser's Accept-Language; the time zone is the user's setting, else the
zone the browser reports (ui.js stores it in the `chargegrid_tz` cookie), else UTC. Every time shown
carries its zone's name.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
TZ_COOKIE = "chargegrid_tz"
UTC_ZONE = ZoneInfo("UTC")
_TIME_PATTERNS = {"en": "%Y-%m-%d %H:%M:%S", "de": "%d.%m.%Y %H:%M:%S"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (English is the source text: no catalogue)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def pick_language(setting: str | None, accept_language: str) -> str:
    """The user's setting, else the best language of the browser's Accept-Language we have."""
    if setting in LANGUAGES:
        return setting
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        wanted.append((-quality, position, tag.strip().lower().split("-")[0]))
    for negative_quality, _, language in sorted(wanted):
        if negative_quality < 0 and language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


def zone_named(name: str | None) -> ZoneInfo | None:
    if not name or name not in _zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_choices() -> list[str]:
    return sorted(_zone_names())


@dataclass(frozen=True)
class Reader:
    """How this page is written for its reader: language and time zone."""

    language: str = DEFAULT_LANGUAGE
    zone: ZoneInfo = UTC_ZONE

    def gettext(self, text: str) -> str:
        return translations(self.language).gettext(text)

    def time(self, value: datetime | None) -> str:
        """A time in the reader's zone with the zone's abbreviation (CET, EST, UTC, +0530)."""
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        return f"{local.strftime(_TIME_PATTERNS.get(self.language, _TIME_PATTERNS['en']))} {local.tzname()}"

    def clock(self, value: datetime) -> str:
        """Hours and minutes in the reader's zone (chart axes)."""
        return value.astimezone(self.zone).strftime("%H:%M")

    def number(self, value: float | None, digits: int = 3) -> str:
        if value is None:
            return ""
        return format_decimal(value, format="0." + "0" * digits if digits else "0", locale=self.language)


def reader(
    language_setting: str | None, accept_language: str, zone_setting: str | None, zone_cookie: str | None
) -> Reader:
    zone = zone_named(zone_setting) or zone_named(zone_cookie) or UTC_ZONE
    return Reader(pick_language(language_setting, accept_language), zone)
