"""``python -m chargegrid.sim``: the ``simulate`` subcommand on its own, through the same ``register()``."""

from __future__ import annotations

import argparse
import sys

from chargegrid.sim.cli import register


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chargegrid.sim")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(["simulate", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
