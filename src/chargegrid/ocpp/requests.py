"""Request ids for the OCPP messages that carry one (remoteStartId, GetLog/UpdateFirmware requestId).

Unique enough across restarts without a table: they start from the clock and count up.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

_ids = itertools.count(int(datetime.now(UTC).timestamp()) % 1_000_000)


def next_request_id() -> int:
    return next(_ids)
