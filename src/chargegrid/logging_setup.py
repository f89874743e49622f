"""Logging for `chargegrid serve`: one format, and no false alarms from the websocket server."""

from __future__ import annotations

import logging


class _DenialNoise(logging.Filter):
    # uvicorn's websockets-sansio protocol logs this error even after the app answered the handshake
    # with a proper HTTP denial (401/404/400), which is exactly how we refuse chargers.
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


def configure(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The OCPP edge logs each charger's connect, refusal and disconnect itself; the websockets library's
    # per-connection "connection open/closed" lines would only double them.
    logging.getLogger("websockets.server").setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
    install_filters()


def install_filters() -> None:
    logging.getLogger("uvicorn.error").addFilter(_DenialNoise())
