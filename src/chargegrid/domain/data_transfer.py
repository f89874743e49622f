"""Which vendor-specific DataTransfer messages from chargers this server understands.

The registry is the `data_transfer.vendors` setting: vendorId → messageIds. A vendor not in it is
`UnknownVendorId`; a known vendor's messageId not in its list is `UnknownMessageId` ("*" in the list
accepts every messageId; a message without messageId is accepted for a known vendor). VendorIds are
compared case-insensitively, as OCPP's CiString types are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ANY_MESSAGE = "*"


def answer_status(vendors: Mapping[str, Sequence[str]], vendor_id: str, message_id: str | None) -> str:
    known = {name.lower(): ids for name, ids in vendors.items()}
    message_ids = known.get(vendor_id.lower())
    if message_ids is None:
        return "UnknownVendorId"
    if message_id is None or ANY_MESSAGE in message_ids or message_id in message_ids:
        return "Accepted"
    return "UnknownMessageId"
