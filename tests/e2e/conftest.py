"""Browser tests of the admin UI: a live server on the demo network, driven by Chromium.

* ``live_server`` — one per module: a temporary SQLite file with every table
  and the demo network and demo users (a copy of tests/conftest.py's
  ``demo_file``, made once per run by ``load_demo``), served by uvicorn in a
  background thread on a free 127.0.0.1 port until the module ends.
* ``browser`` — one Chromium per module, Debian's ``/usr/bin/chromium`` (the
  ``playwright install`` download is not used). Without it the tests skip with
  the reason — except in CI (``CI=true``), where a missing browser fails them.
* ``new_page(email=None)`` — a fresh browser context (own cookies, zh-CN,
  1360×900) per call, optionally signed in through the login form.
* ``shot(page, name)`` — ``docs/screenshots/<name>.png``, only when
  ``HONGFAN_SCREENSHOTS=1`` so ordinary runs leave the tree clean.
* ``system_query(fn)`` — run ``await fn(session)`` as SYSTEM against the same
  database, from a separate thread and event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

import models  # noqa: F401  (registers every table)
from hongfan.db import Database, create_engine
from hongfan.demo import DEMO_PASSWORD
from hongfan.principal import SYSTEM
from hongfan.settings import Settings

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1360, "height": 900}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
TAKE_SCREENSHOTS = os.environ.get("HONGFAN_SCREENSHOTS", "") == "1"


def chromium_path() -> str | None:
    """Debian's Chromium (or HONGFAN_CHROMIUM), when it is installed."""
    wanted = os.environ.get("HONGFAN_CHROMIUM")
    if wanted:  # an explicit choice: that browser or none
        return wanted if Path(wanted).is_file() and os.access(wanted, os.X_OK) else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def unavailable(reason: str) -> None:
    """Browser tests are required in CI (fail) and optional elsewhere (skip)."""
    if IN_CI:
        pytest.fail(f"CI=true and the admin browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"admin browser tests skipped: {reason}")


# -- the database and the server ------------------------------------------------------


def run_async(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on its own loop in its own thread.

    Playwright's sync API owns the main thread's loop, and the server owns
    another, so the test's own database work gets a third.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(_await(factory))).result()


async def _await(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    settings: Settings

    def query(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``await fn(session)`` as SYSTEM on the server's database (a separate engine)."""

        async def go() -> T:
            db = Database(self.settings, create_engine(self.settings))
            try:
                async with db.session(SYSTEM) as session:
                    return await fn(session)
            finally:
                await db.dispose()

        return run_async(go)


@contextlib.contextmanager
def serving(settings: Settings, name: str = "e2e") -> Iterator[str]:
    """The app on ``settings`` served by uvicorn in a thread on a free port, its URL once
    ``/healthz`` answers (within 20 s, else the test fails); stopped on leaving."""
    import uvicorn

    from hongfan.app import create_app

    app = create_app(settings, Database(settings))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"hongfan-{name}-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{config.port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"the {name} server did not answer on {url}/healthz")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, demo_file: Path) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("e2e") / "hongfan-e2e.db"
    shutil.copyfile(demo_file, path)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", secret_key="e2e")
    with serving(settings) as url:
        yield LiveServer(url, settings)


# -- the browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        unavailable(
            "Chromium is not installed (HONGFAN_CHROMIUM, /usr/bin/chromium or chromium on PATH); "
            "install it with: apt-get install chromium fonts-wqy-microhei"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 — any launch failure means "no browser here"
            unavailable(f"Chromium at {executable} did not start: {error}")
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """``new_page(email=None, lang="zh-CN")``: a page in its own context, signed in when asked."""
    contexts: list[Any] = []
    server_errors: list[str] = []

    def watch(response: Any) -> None:
        if response.status >= 500:
            server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def console(message: Any) -> None:
        # The admin's Content-Security-Policy (hongfan/headers.py) allows no inline script or
        # style: a template or script that needed one breaks silently unless we listen
        if "Content Security Policy" in message.text:
            server_errors.append(f"CSP violation: {message.text}")

    def make(email: str | None = None, *, locale: str = "zh-CN") -> Any:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport=VIEWPORT, accept_downloads=True
        )
        context.set_default_timeout(5_000)
        context.set_default_navigation_timeout(10_000)
        context.on("response", watch)
        context.on("console", console)
        contexts.append(context)
        page = context.new_page()
        if email is not None:
            login(page, email)
        return page

    yield make
    for context in contexts:
        context.close()
    if server_errors:  # a 500 page makes the test time out on a missing element; say why
        pytest.fail("the server answered with an error: " + "; ".join(server_errors), pytrace=False)


def login(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait for the dashboard."""
    page.goto("/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    """Save docs/screenshots/<name>.png when HONGFAN_SCREENSHOTS=1."""
    if not TAKE_SCREENSHOTS:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
