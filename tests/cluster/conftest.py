"""A real cluster on this machine: PostgreSQL, Redis, `chargegrid serve` subprocesses, nginx in front.

One cluster (three nodes behind nginx) is shared by the package's tests that leave it as they found it;
tests that kill a node start an extra one (`n4`, also in nginx's upstream list) and kill that. Leases
and timeouts are short (settings), so failures show within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import websockets
from websockets.asyncio.client import ClientConnection

from tests.support.chargers import CHARGERS
from tests.support.databases import temporary_database

API_KEY = "cluster-test-key"
REDIS_URL = os.environ.get("CHARGEGRID_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
LEASE_SECONDS = 2.0
CALL_TIMEOUT = 4.0
STREAM_POLL_SECONDS = 60.0
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Node:
    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/OCPP"

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the node's log, for a failure message."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.http_url, headers={"X-API-Key": API_KEY}, timeout=20)

    def connect(self, cp_id: str, protocol: str = "ocpp1.6", password: str | None = None) -> Any:
        return websockets.connect(f"{self.ocpp_url}/{cp_id}", subprotocols=[protocol], open_timeout=10)  # type: ignore[list-item]


@dataclass
class Cluster:
    database_url: str
    prefix: str
    tmp: Path
    nodes: dict[str, Node] = field(default_factory=dict)
    balancer: Node | None = None  # nginx
    nginx: subprocess.Popen[bytes] | None = None

    def env(self, name: str, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "CHARGEGRID_DATABASE_URL": self.database_url,
            "CHARGEGRID_API_KEY": API_KEY,
            "CHARGEGRID_DATA_DIR": str(self.tmp),
            "CHARGEGRID_UNKNOWN_CHARGERS": "accept",
            "CHARGEGRID_REDIS_URL": REDIS_URL,
            "CHARGEGRID_REDIS__KEY_PREFIX": self.prefix,
            "CHARGEGRID_REDIS__LEASE_SECONDS": str(LEASE_SECONDS),
            "CHARGEGRID_CALL_TIMEOUT": str(CALL_TIMEOUT),
            "CHARGEGRID_NODE_ID": name,
            "CHARGEGRID_LOG_LEVEL": "info",
            # The payment sweep is a once-per-network job; a Stripe key (never used) turns it on.
            "CHARGEGRID_STRIPE__API_KEY": "sk_test_cluster",
            "CHARGEGRID_STRIPE__API_BASE": "http://127.0.0.1:9",
            "CHARGEGRID_PAYMENTS__SWEEP_INTERVAL_SECONDS": "0.5",
            # Live streams are woken through Redis; their fallback poll is made long here so that a
            # stream that gets another node's event promptly proves the wake-up, not the poll.
            "CHARGEGRID_EVENTS__STREAM_POLL_SECONDS": str(STREAM_POLL_SECONDS),
            **extra,
        }

    def start(self, name: str, *args: str, wait: bool = True, **env: str) -> Node:
        node = self.nodes.get(name) or Node(name, free_port(), self.tmp / f"{name}.log")
        log = node.log.open("ab")
        node.process = subprocess.Popen(
            [sys.executable, "-m", "chargegrid", "serve", "--port", str(node.port), *args],
            env=self.env(name, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.nodes[name] = node
        if wait:
            wait_healthy(node)
        return node

    def stop(self, name: str, sig: int = signal.SIGTERM) -> int:
        node = self.nodes[name]
        assert node.process is not None
        node.process.send_signal(sig)
        try:
            return node.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            message = f"node {name} still running 20 s after signal {sig}; its log ends:\n{node.log_tail()}"
            raise AssertionError(message) from None

    def start_nginx(self, upstream: list[Node]) -> Node:
        balancer = Node("nginx", free_port(), self.tmp / "nginx-error.log")
        servers = "\n".join(f"    server 127.0.0.1:{n.port} max_fails=1 fail_timeout=3s;" for n in upstream)
        conf = self.tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(tmp=self.tmp, servers=servers, port=balancer.port, error_log=balancer.log)
        )
        self.nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(self.tmp)], stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", balancer.port), 0.5):
                break
            assert time.monotonic() < deadline, (
                balancer.log.read_text() if balancer.log.exists() else "no nginx"
            )
            time.sleep(0.05)
        self.balancer = balancer
        return balancer

    def close(self) -> None:
        for node in self.nodes.values():
            if node.process is not None and node.process.poll() is None:
                node.process.kill()
                node.process.wait()
        if self.nginx is not None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {n.name}\n{n.log.read_text()[-3000:]}" for n in self.nodes.values() if n.log.exists()
        )


# No stickiness: plain round robin; websocket upgrade passed through; a dead node is skipped.
NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {error_log} warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx-body;
  proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fastcgi;
  uwsgi_temp_path {tmp}/nginx-uwsgi;
  scgi_temp_path {tmp}/nginx-scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream chargegrid {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://chargegrid;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 1h;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"""


def wait_healthy(node: Node, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert node.process is not None
        if node.process.poll() is not None:
            raise AssertionError(f"node {node.name} exited:\n{node.log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{node.http_url}/health", timeout=1).status_code == 200:
                return
        assert time.monotonic() < deadline, f"node {node.name} not healthy:\n{node.log.read_text()[-3000:]}"
        time.sleep(0.1)


@contextlib.contextmanager
def redis_prefix() -> Iterator[str]:
    """A key prefix of our own in the test Redis database; its keys are deleted afterwards."""
    prefix = f"cgtest-{uuid.uuid4().hex[:8]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@contextlib.contextmanager
def running_cluster(tmp: Path, database_url: str, names: list[str]) -> Iterator[Cluster]:
    from chargegrid.cli import main as chargegrid_main

    # Migrate once up front: the nodes then start against an up-to-date schema, not racing each other.
    with contextlib.redirect_stderr(open(os.devnull, "w")):
        chargegrid_main(["migrate", "--database-url", database_url])
    with redis_prefix() as prefix:
        cluster = Cluster(database_url, prefix, tmp)
        try:
            for name in names:
                cluster.start(name, wait=False)
            for name in names:
                wait_healthy(cluster.nodes[name])
            yield cluster
        finally:
            cluster.close()


@pytest.fixture(scope="package")
def cluster_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("db")
    manager = temporary_database("postgresql", tmp)
    loop = asyncio.new_event_loop()
    try:
        url = loop.run_until_complete(manager.__aenter__())
        yield url
        loop.run_until_complete(manager.__aexit__(None, None, None))
    finally:
        loop.close()


@pytest.fixture(scope="package")
def cluster(cluster_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Nodes n1-n3 running, nginx in front of n1-n4 (n4 is started by the tests that kill a node)."""
    tmp = tmp_path_factory.mktemp("cluster")
    with running_cluster(tmp, cluster_db, ["n1", "n2", "n3"]) as running:
        running.nodes["n4"] = Node("n4", free_port(), tmp / "n4.log")
        running.start_nginx(list(running.nodes.values()))
        yield running


@contextlib.asynccontextmanager
async def charger_at(node: Node, cp_id: str, protocol: str = "ocpp1.6") -> AsyncIterator[Any]:
    """An `ocpp`-library charger connected to `node` (or nginx) and booted."""
    ws: ClientConnection = await node.connect(cp_id, protocol)
    charger = CHARGERS[protocol](cp_id, ws)
    task = asyncio.create_task(charger.start())
    try:
        await charger.boot()
        yield charger
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await ws.close()


async def status_of(node: Node) -> dict[str, dict[str, Any]]:
    async with node.api() as api:
        answer = await api.get("/API/Status")
    assert answer.status_code == 200, answer.text
    entries = answer.json()
    ids = [entry["id"] for entry in entries]
    assert len(ids) == len(set(ids)), f"a charger listed twice: {ids}"
    return {entry["id"]: entry for entry in entries}


async def eventually(predicate: Any, timeout: float = 10.0, interval: float = 0.1) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)
