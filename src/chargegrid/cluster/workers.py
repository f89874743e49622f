"""`chargegrid serve --workers N`: N node processes on one machine sharing one port, and how a node runs.

Each worker is a whole node of the cluster (its own node id, `<node id>-w<i>`), binding the port with
SO_REUSEPORT so the kernel spreads new connections over the workers; commands for a charger held by
another worker travel through Redis like between machines. The parent only starts the workers, passes
SIGTERM/SIGINT on, and exits when they have all stopped.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
from types import FrameType

import uvicorn

from chargegrid import gc_tuning
from chargegrid.cluster.handover import hand_over
from chargegrid.cluster.node import default_node_id
from chargegrid.config import Settings

WORKER_ENV = "CHARGEGRID_WORKER"  # set in a worker's environment: bind with SO_REUSEPORT, spawn nothing
NEEDS_POSTGRES = "the cluster needs PostgreSQL: set CHARGEGRID_DATABASE_URL=postgresql+asyncpg://..."
NEEDS_REDIS = (
    "--workers > 1 needs Redis to carry commands between the workers: "
    "set CHARGEGRID_REDIS_URL=redis://127.0.0.1:6379/0"
)


def cluster_problem(settings: Settings, workers: int) -> str | None:
    """Why this configuration cannot run (as a cluster), or None."""
    if (workers > 1 or settings.redis.url) and settings.is_sqlite:
        return NEEDS_POSTGRES
    if workers > 1 and not settings.redis.url:
        return NEEDS_REDIS
    return None


def is_worker() -> bool:
    return os.environ.get(WORKER_ENV) == "1"


def run_workers(count: int, argv: list[str]) -> int:
    """Start `count` workers running `chargegrid <argv>`; return when all have stopped."""
    base = os.environ.get("CHARGEGRID_NODE_ID") or default_node_id()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "chargegrid", *argv],
            env={**os.environ, WORKER_ENV: "1", "CHARGEGRID_NODE_ID": f"{base}-w{number}"},
            preexec_fn=_die_with_parent,
        )
        for number in range(1, count + 1)
    ]

    passed_on: set[int] = set()

    def pass_on(signum: int, frame: FrameType | None) -> None:
        passed_on.add(signum)
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, pass_on)
    signal.signal(signal.SIGINT, pass_on)
    codes = [child.wait() for child in children]
    # uvicorn ends by re-raising the signal it stopped on: a worker ended by ours stopped cleanly.
    failed = [code for code in codes if code != 0 and -code not in passed_on]
    return failed[0] if failed else 0


def _die_with_parent() -> None:
    """In the worker, before exec: Linux sends it SIGTERM (a hand-over) when the parent dies, even by -9,
    so no worker is left holding the port and its chargers."""
    if sys.platform == "linux":
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _reuse_port_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class HandingOverServer(uvicorn.Server):
    """uvicorn, but on shutdown the chargers are handed over (1001) before uvicorn drops the rest (1012)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        gc_tuning.freeze_startup_heap()  # the app's start-up (lifespan) has run by now

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:  # stop accepting first
            server.close()
        services = getattr(getattr(self.config.app, "state", None), "services", None)
        if services is not None:
            await hand_over(services)
        await super().shutdown(sockets)


def serve_node(config: uvicorn.Config) -> None:
    """Run one node; a worker of `--workers N` shares the port with its siblings (SO_REUSEPORT)."""
    gc_tuning.tune()
    server = HandingOverServer(config)
    server.run(sockets=[_reuse_port_socket(config.host, config.port)] if is_worker() else None)
