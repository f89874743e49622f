"""The Motown-compatible operator API face: `/charging-stations...` and `/transactions` (X-API-Key).

Its routes live in `chargegrid.api.operator`; `start` hooks its settings push into station boots.
"""

from chargegrid.api.operator.routes import router
from chargegrid.api.operator.runtime import start

__all__ = ["router", "start"]
