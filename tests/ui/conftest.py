"""Fixtures of the browser tests: headless Debian Chromium driven by Playwright, and a logged-in admin.

Playwright's own browser download cannot run here, so the system's /usr/bin/chromium is used. Without
it the tests skip on a developer machine but fail under CI=true: CI must install it (apt `chromium`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.support.server import RunningServer
from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user

CHROMIUM = os.environ.get("CHARGEGRID_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _need_browser() -> None:
    if shutil.which(CHROMIUM) is None:
        message = f"headless Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        message = "the playwright package is missing: pip install -e '.[test]'"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    _need_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def ui_server(server: RunningServer) -> RunningServer:
    """The server with an admin user."""
    await add_user(server, ADMIN, ADMIN_PASSWORD, "admin")
    return server


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


# ---- one server and one browser per module (the console tests): start-up is paid once ----------

OPERATOR, VIEWER = "olga", "victor"
OPERATOR_PASSWORD, VIEWER_PASSWORD = "operator-password-1", "viewer-password-1"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningServer]:
    """A SQLite server with an admin, an operator and a viewer, shared by a module's tests."""
    from tests.support.server import run_server

    folder = tmp_path_factory.mktemp("console")
    async with run_server(f"sqlite+aiosqlite:///{folder / 'console.db'}", folder) as running:
        await add_user(running, ADMIN, ADMIN_PASSWORD, "admin")
        await add_user(running, OPERATOR, OPERATOR_PASSWORD, "operator")
        await add_user(running, VIEWER, VIEWER_PASSWORD, "viewer")
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_browser() -> AsyncIterator[Any]:
    _need_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def tab(shared_browser: Any) -> AsyncIterator[Any]:
    """A fresh browser context (no cookies) in Berlin time, English."""
    context = await shared_browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin", locale="en-GB"
    )
    context.set_default_timeout(15_000)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()
