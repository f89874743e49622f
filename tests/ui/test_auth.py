"""Login, logout, session expiry, roles, CSRF and cookie flags of the management UI."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from chargegrid.cli import main
from chargegrid.store import users as users_store
from chargegrid.store.models import ChargeTag
from tests.support.server import RunningServer
from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user, login


def _client(server: RunningServer, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.http_url, timeout=30, **kwargs)


async def _csrf(client: httpx.AsyncClient, path: str = "/ui/login") -> str:
    page = await client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def _login(
    client: httpx.AsyncClient, name: str = ADMIN, password: str = ADMIN_PASSWORD
) -> httpx.Response:
    token = await _csrf(client)
    return await client.post("/ui/login", data={"name": name, "password": password, "csrf_token": token})


async def test_wrong_password_is_refused_in_the_browser(ui_server: RunningServer, page: Any) -> None:
    await login(page, ui_server, password="not-the-password")
    await expect(page.locator(".flash.bad")).to_contain_text("Wrong user name or password")
    assert "/ui/login" in page.url
    await login(page, ui_server, name="nobody", password=ADMIN_PASSWORD)
    await expect(page.locator(".flash.bad")).to_contain_text("Wrong user name or password")
    await login(page, ui_server)
    await expect(page.locator("h1")).to_have_text("Overview")


async def test_form_post_without_csrf_token_is_refused(ui_server: RunningServer, page: Any) -> None:
    await login(page, ui_server)
    answer = await page.request.post(
        ui_server.http_url + "/ui/tags/new", form={"tag_id": "FORGED"}, max_redirects=0
    )
    assert answer.status == 403
    assert "security token" in await answer.text()
    answer = await page.request.post(
        ui_server.http_url + "/ui/tags/new", form={"tag_id": "FORGED", "csrf_token": "guess"}, max_redirects=0
    )
    assert answer.status == 403
    async with ui_server.services.db() as db:
        assert await db.get(ChargeTag, "FORGED") is None


async def test_pages_need_a_login_and_logout_ends_the_session(ui_server: RunningServer) -> None:
    async with _client(ui_server) as client:
        first = await client.get("/ui/tags")
        assert first.status_code == 303 and first.headers["location"] == "/ui/login?next=/ui/tags"
        assert (
            await client.get("/ui/overview/tiles", headers={"X-Requested-With": "fetch"})
        ).status_code == 401
        answer = await _login(client)
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
        assert (await client.get("/")).status_code == 200
        stolen = dict(client.cookies)
        token = await _csrf(client, "/")
        assert (await client.post("/ui/logout", data={"csrf_token": token})).status_code == 303
        assert (await client.get("/")).status_code == 303
    async with _client(ui_server, cookies=stolen) as replay:
        assert (await replay.get("/")).status_code == 303  # the old cookie is revoked


async def test_cookie_is_secure_behind_https(ui_server: RunningServer) -> None:
    # uvicorn trusts X-Forwarded-Proto from loopback, as it would from a local TLS proxy.
    async with _client(ui_server, headers={"X-Forwarded-Proto": "https"}) as client:
        page = await client.get("/ui/login")
        assert "; secure" in page.headers["set-cookie"].lower()
        assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_sessions_expire_when_idle(server_factory: Any) -> None:
    async with server_factory(ui={"session_idle_minutes": 0.02}) as srv:
        await add_user(srv, ADMIN, ADMIN_PASSWORD, "admin")
        async with _client(srv) as client:
            await _login(client)
            assert (await client.get("/")).status_code == 200
            await asyncio.sleep(1.5)
            answer = await client.get("/")
            assert answer.status_code == 303 and answer.headers["location"].startswith("/ui/login")


async def test_viewers_see_data_but_not_admin_pages(ui_server: RunningServer) -> None:
    await add_user(ui_server, "viewer", "viewer-password-1", "viewer")
    async with _client(ui_server) as client:
        await _login(client, "viewer", "viewer-password-1")
        assert (await client.get("/ui/transactions")).status_code == 200
        assert (await client.get("/ui/chargepoints")).status_code == 200
        refused = await client.get("/ui/users")
        assert refused.status_code == 403 and "for administrators" in refused.text
        overview = await client.get("/")
        assert "/ui/users" not in overview.text


async def test_login_redirects_only_inside_the_site(ui_server: RunningServer) -> None:
    async with _client(ui_server) as client:
        token = await _csrf(client, "/ui/login?next=//evil.example")
        answer = await client.post(
            "/ui/login",
            data={"name": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": token, "next": "//evil.example"},
        )
        assert answer.headers["location"] == "/"


async def test_user_add_command_creates_a_user_who_can_log_in(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.server import run_server

    monkeypatch.setattr("sys.stdin", io.StringIO("pass-word-42\n"))
    code = await asyncio.to_thread(
        main, ["user", "add", "carol", "--admin", "--password-stdin", "--database-url", database_url]
    )
    assert code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert (
        await asyncio.to_thread(
            main, ["user", "add", "dave", "--password-stdin", "--database-url", database_url]
        )
        == 2
    )
    assert "at least 8 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("pass-word-42\n"))
    assert (
        await asyncio.to_thread(
            main, ["user", "add", "carol", "--password-stdin", "--database-url", database_url]
        )
        == 1
    )
    async with run_server(database_url, tmp_path) as srv:
        async with srv.services.db() as db:
            carol = await users_store.by_name(db, "carol")
            assert carol is not None and carol.role == "admin" and "pass-word" not in carol.password_hash
        async with _client(srv) as client:
            assert (await _login(client, "carol", "pass-word-42")).status_code == 303


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_user_add_asks_the_password_twice(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["first-password", "other-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", _Terminal())
    code = await asyncio.to_thread(main, ["user", "add", "erin", "--database-url", database_url])
    assert code == 2 and "the two passwords differ" in capsys.readouterr().err


async def test_first_start_without_users_says_how_to_create_one(
    database_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from tests.support.server import run_server

    async with run_server(database_url, tmp_path):
        pass
    assert "chargegrid user add NAME --admin" in capfd.readouterr().err
