"""The REST API key: from CHARGEGRID_API_KEY, or generated once and kept in the data directory.

The API is never open by accident: without a configured key, the first start writes a random one to
`<data_dir>/.chargegrid-api-key` (mode 0600) and prints it once, with how to set your own.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

KEY_FILE = ".chargegrid-api-key"


def resolve_api_key(configured: str | None, data_dir: Path) -> str:
    if configured:
        return configured
    path = data_dir / KEY_FILE
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    key = secrets.token_urlsafe(32)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    print(
        f"No CHARGEGRID_API_KEY set: generated an API key and saved it in {path}.\n"
        f"  X-API-Key: {key}\n"
        "  To use your own, set CHARGEGRID_API_KEY (or api_key in the --config TOML file).",
        file=sys.stderr,
    )
    return key
