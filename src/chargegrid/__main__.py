"""`python -m chargegrid` runs the CLI."""

import sys

from chargegrid.cli import main

sys.exit(main())
