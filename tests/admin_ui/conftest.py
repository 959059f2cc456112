"""Admin UI over HTTP: a demo-sized world and signed-in browsers-without-a-browser."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hongfan.app import create_app
from hongfan.db import Database, create_engine
from tests.conftest import settings_for

PASSWORD = "hongfan-demo-2024"


@pytest.fixture
async def database(demo_file: Path, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh copy of the demo database (tests/conftest.py's demo_file) per test."""
    path = tmp_path / "admin.db"
    shutil.copyfile(demo_file, path)
    settings = settings_for(f"sqlite+aiosqlite:///{path}")
    db = Database(settings, create_engine(settings))
    yield db
    await db.dispose()


@pytest.fixture
async def demo(database: Database) -> Database:
    return database


class AdminClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.csrf = ""

    async def login(self, email: str) -> None:
        response = await self.http.post("/admin/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 303, response.text[:500]
        page = await self.http.get("/admin/")
        self.csrf = csrf_of(page.text)

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> httpx.Response:
        payload = {**data, "csrf_token": self.csrf} if csrf else data
        return await self.http.post(path, data=payload)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
async def client(demo: Database) -> AsyncIterator[AdminClient]:
    app = create_app(demo.settings, demo)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hongfan.test", headers={"accept-language": "zh-CN"}
    ) as http:
        yield AdminClient(http)


# The admin pages add no SQL of their own beyond hongfan.reads and hongfan.crud, which the
# GraphQL and access suites run on both databases; here the demo network on SQLite suffices.
