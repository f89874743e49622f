"""Security profile 3 behind Debian's nginx terminating TLS: the verified client certificate reaches the
server in a header that only the trusted proxy may set.

nginx runs from the test with its own configuration in tmp_path on loopback ports (as root: `user root`
so its workers can read the test's key files); the charger is the `ocpp` library's, over wss:// with a
client certificate made here by `cryptography`. `scripts/test` installs nginx when it is missing.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import websockets
from cryptography import x509
from ocpp.v16 import call as call16
from sqlalchemy import select

from chargegrid.store.security_models import SecurityEvent
from tests.security.certificates import Made, csr, issue, make_ca
from tests.security.test_certificates import Signed16
from tests.support.chargers import Charger16
from tests.support.server import RunningServer, run_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# The configuration the README shows, with this test's paths and ports filled in.
NGINX_CONF = """
user root;
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_client_certificate {client_ca};
    ssl_verify_client optional;   # profile 3 chargers bring a certificate; profile 2 ones need none
    location /OCPP/ {{
      proxy_pass http://127.0.0.1:{backend};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
      proxy_read_timeout 1h;
    }}
  }}
}}
"""


@pytest.fixture
def db_kind() -> str:
    return "sqlite"  # storage is incidental here; the proxy path is what is tested


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    if not os.path.exists(NGINX):
        message = "nginx not found: apt-get install nginx-light (scripts/test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return NGINX


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Any]:
    ca = make_ca("Chargers CA")
    server_cert = issue(ca, "127.0.0.1", server_ip="127.0.0.1")
    cert, key = server_cert.write(tmp_path, "server")
    ca_file = tmp_path / "chargers-ca.pem"
    ca_file.write_text(ca.cert_pem)
    return {"ca": ca, "ca_file": ca_file, "cert": cert, "key": key}


@pytest.fixture
async def proxied(
    database_url: str, tmp_path: Path, pki: dict[str, Any], nginx_binary: str
) -> AsyncIterator[tuple[RunningServer, int]]:
    async with run_server(
        database_url,
        tmp_path,
        security={"trusted_proxies": ["127.0.0.1/32"], "client_ca_file": str(pki["ca_file"])},
    ) as server:
        port = _free_port()
        # nginx accepts client certificates of the test's CA and of the CSMS CA (SignCertificate).
        csms_ca = server.services.edge.ca
        assert csms_ca is not None
        bundle = tmp_path / "client-cas.pem"
        bundle.write_text(pki["ca"].cert_pem + csms_ca.certificate_pem)
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=tmp_path,
                port=port,
                cert=pki["cert"],
                key=pki["key"],
                client_ca=bundle,
                backend=server.port,
            )
        )
        with _nginx(nginx_binary, conf, tmp_path, port):
            yield server, port


def _nginx_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def _nginx(binary: str, conf: Path, prefix: Path, port: int) -> Iterator[None]:
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(prefix)], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            if _nginx_ready(port):
                break
            if process.poll() is not None:
                raise RuntimeError(
                    f"nginx stopped: {process.stderr.read().decode() if process.stderr else ''}"
                )
            time.sleep(0.05)
        else:
            raise RuntimeError("nginx did not start listening within 5 s")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def _tls(pki: dict[str, Any], client: Made | None, tmp_path: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki["ca_file"]))
    if client is not None:
        cert, key = client.write(tmp_path, f"client-{id(client)}")
        context.load_cert_chain(str(cert), str(key))
    return context


async def _connect(port: int, cp_id: str, context: ssl.SSLContext, **kw: Any) -> Any:
    return await websockets.connect(
        f"wss://127.0.0.1:{port}/OCPP/{cp_id}",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        ssl=context,
        open_timeout=10,
        **kw,
    )


async def test_profile_3_charger_with_its_certificate_boots_through_nginx(
    proxied: tuple[RunningServer, int], pki: dict[str, Any], tmp_path: Path
) -> None:
    server, port = proxied
    await server.add_charge_point("CP-NGINX", security_profile=3)
    ws = await _connect(port, "CP-NGINX", _tls(pki, issue(pki["ca"], "CP-NGINX"), tmp_path))
    charger = Charger16("CP-NGINX", ws)
    task = asyncio.create_task(charger.start())
    try:
        answer = await charger.boot()
        assert answer.status == "Accepted"
        session = server.services.registry.get("CP-NGINX")
        assert session is not None and session.remote == "127.0.0.1"  # X-Real-IP from nginx
    finally:
        task.cancel()
        await ws.close()


async def test_profile_3_refuses_a_wrong_cn_or_no_certificate_through_nginx(
    proxied: tuple[RunningServer, int], pki: dict[str, Any], tmp_path: Path
) -> None:
    server, port = proxied
    await server.add_charge_point("CP-NGINX", security_profile=3)
    with pytest.raises(websockets.InvalidStatus) as wrong:
        await _connect(port, "CP-NGINX", _tls(pki, issue(pki["ca"], "CP-OTHER"), tmp_path))
    assert wrong.value.response.status_code == 403
    assert b"'CP-OTHER', not 'CP-NGINX'" in wrong.value.response.body
    with pytest.raises(websockets.InvalidStatus) as none:
        await _connect(port, "CP-NGINX", _tls(pki, None, tmp_path))
    assert none.value.response.status_code == 403
    assert b"no client certificate" in none.value.response.body
    async with server.services.db() as db:
        events = (await db.scalars(select(SecurityEvent).order_by(SecurityEvent.id))).all()
    assert [(e.charge_point_id, e.type, e.origin) for e in events] == [
        ("CP-NGINX", "InvalidChargingStationCertificate", "csms")
    ] * 2


async def test_profile_2_password_over_nginx_tls_and_the_header_is_ignored_from_others(
    proxied: tuple[RunningServer, int], pki: dict[str, Any], tmp_path: Path
) -> None:
    server, port = proxied
    await server.add_charge_point("CP-P2", password="p2-password-12345", security_profile=2)
    await server.add_charge_point("CP-P3", security_profile=3)
    auth = {"Authorization": "Basic " + base64.b64encode(b"CP-P2:p2-password-12345").decode()}
    ws = await _connect(port, "CP-P2", _tls(pki, None, tmp_path), additional_headers=auth)
    await ws.close()
    # Straight to the server over plain ws, profile 2 is refused: it is not TLS.
    with pytest.raises(websockets.InvalidStatus) as plain:
        await server.connect("CP-P2", password="p2-password-12345", local_addr=("127.0.0.2", 0))
    assert plain.value.response.status_code == 403
    assert b"requires TLS" in plain.value.response.body
    # A forged certificate header from an address that is not the proxy is ignored.
    forged = issue(pki["ca"], "CP-P3").cert_pem
    with pytest.raises(websockets.InvalidStatus) as header:
        await websockets.connect(
            f"{server.ocpp_url}/CP-P3",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"X-SSL-Client-Cert": quote(forged)},
            local_addr=("127.0.0.2", 0),
        )
    assert header.value.response.status_code == 403


async def test_certificate_issued_by_sign_certificate_then_connects_at_profile_3(
    proxied: tuple[RunningServer, int], pki: dict[str, Any], tmp_path: Path
) -> None:
    server, port = proxied
    await server.add_charge_point("CP-GROW", password="grow-password-12345", security_profile=2)
    auth = {"Authorization": "Basic " + base64.b64encode(b"CP-GROW:grow-password-12345").decode()}
    ws = await _connect(port, "CP-GROW", _tls(pki, None, tmp_path), additional_headers=auth)
    charger = Signed16("CP-GROW", ws)
    task = asyncio.create_task(charger.start())
    request, key = csr("CP-GROW")
    try:
        assert (await charger.call(call16.SignCertificate(csr=request))).status == "Accepted"
        chain = (await asyncio.wait_for(charger.signed.get(), 10))["certificate_chain"]
    finally:
        task.cancel()
        await ws.close()
    async with server.api() as api:
        raised = await api.put("/API/ChargePoints/CP-GROW", json={"securityProfile": 3})
        assert raised.json()["securityProfile"] == 3
    # The password alone no longer does; the certificate the CSMS issued does.
    with pytest.raises(websockets.InvalidStatus) as info:
        await _connect(port, "CP-GROW", _tls(pki, None, tmp_path), additional_headers=auth)
    assert info.value.response.status_code == 403
    issued = Made(x509.load_pem_x509_certificates(chain.encode())[0], key)
    ws = await _connect(port, "CP-GROW", _tls(pki, issued, tmp_path))
    charger = Charger16("CP-GROW", ws)
    task = asyncio.create_task(charger.start())
    try:
        assert (await charger.boot()).status == "Accepted"
    finally:
        task.cancel()
        await ws.close()
