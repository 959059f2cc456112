"""SIGTERM stops the service within seconds (issue #9.6): uvicorn drains the requests in
flight for at most ``HONGFAN_SHUTDOWN_SECONDS``, and a background import or export stops
at its next progress point instead of holding the process up — marked failed, with a
message saying why and that nothing was written."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hongfan.app import create_app
from hongfan.cli import serve as serve_module
from hongfan.db import Database
from hongfan.principal import SYSTEM
from hongfan.transfer.jobs import JobContext, JobRunner, create_job, get_job
from tests.conftest import settings_for


async def test_given_an_endless_job_when_the_app_shuts_down_then_it_stops_within_seconds_and_says_why(
    tmp_path: Path,
) -> None:
    settings = dataclasses.replace(
        settings_for(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"),
        jobs_dir=str(tmp_path),
        shutdown_seconds=3,
    )
    from sqlmodel import SQLModel

    db = Database(settings)
    async with db.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    app = create_app(settings, db)
    started = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def endless(context: JobContext) -> dict[str, Any]:
        loop.call_soon_threadsafe(started.set)
        while True:  # an import of rows without end: only the stop ends it
            await context.progress(checked=1, total=2)
            await asyncio.sleep(0.01)

    # Given a job running in the app's job runner
    async with app.router.lifespan_context(app):
        runner = app.state.transfer_jobs = JobRunner(settings)
        job = await create_job(db, SYSTEM, kind="import", type_name="ServiceSite", phase="check")
        runner.submit(job, SYSTEM, endless)
        await asyncio.wait_for(started.wait(), 10)
        stopping_at = time.monotonic()
    # When the app shut down (the lifespan ended, as on SIGTERM)
    # Then the job stopped well within the shutdown time, marked failed with the reason
    assert time.monotonic() - stopping_at < settings.shutdown_seconds
    assert not runner._thread.is_alive()
    check = Database(settings)
    try:
        stopped = await get_job(check, job.id)
    finally:
        await check.dispose()
    assert stopped is not None and stopped.state == "failed"
    assert stopped.summary["error"] == "job.interrupted"


def test_given_hongfan_serve_then_uvicorn_drains_requests_for_the_shutdown_seconds_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **options: Any) -> None:
        seen.update(options)

    monkeypatch.setattr(serve_module, "run_server", fake_run)
    settings = dataclasses.replace(
        settings_for(f"sqlite+aiosqlite:///{tmp_path / 's.db'}"), shutdown_seconds=4
    )
    serve_module.serve(settings, argparse.Namespace(host="127.0.0.1", port=0, lang="en"))
    assert seen["timeout_graceful_shutdown"] == 4


async def test_given_the_database_file_cannot_be_opened_then_the_api_answers_503_not_500(
    tmp_path: Path,
) -> None:
    # A SQLite path in a directory that does not exist: the database is simply not there
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    db = Database(settings)
    app = create_app(settings, db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.post(
            "/auth/login", json={"email": "a@example.cn", "password": "whatever it is"}
        )
    await db.dispose()
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json() == {"error": "数据库暂时无法访问，请稍后重试", "code": "UNAVAILABLE"}


def test_given_a_write_in_flight_when_the_server_is_told_to_stop_then_it_finishes_and_the_server_exits(
    tmp_path: Path,
) -> None:
    import socket
    import sqlite3
    import threading

    import uvicorn

    from tests.hostile.test_service_faults import WRITE, world

    # Given a served SQLite database whose write lock another process holds for a moment
    path = tmp_path / "drain.db"
    settings = dataclasses.replace(
        settings_for(f"sqlite+aiosqlite:///{path}"), sqlite_busy_timeout_ms=8000, shutdown_seconds=5
    )

    async def prepare() -> tuple[list[str], str]:
        from sqlmodel import SQLModel

        db = Database(settings)
        try:
            async with db.engine.begin() as connection:
                await connection.run_sync(SQLModel.metadata.create_all)
            return await world(db)
        finally:
            await db.dispose()

    ids, token = asyncio.run(prepare())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            log_level="warning",
            timeout_graceful_shutdown=settings.shutdown_seconds,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.05)
    other = sqlite3.connect(path, isolation_level=None, timeout=10)
    other.execute("BEGIN IMMEDIATE")
    answers: list[httpx.Response] = []
    headers = {"authorization": f"Bearer {token}"}
    body = {
        "query": WRITE,
        "variables": {"input": {"id": ids[0], "version": 1, "name": "阵地0-0001"}},
    }
    writer = threading.Thread(
        target=lambda: answers.append(
            httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=30)
        )
    )
    writer.start()
    for _ in range(400):  # until the write is in flight (waiting for the lock)
        if server.server_state.tasks:
            break
        time.sleep(0.05)
    assert server.server_state.tasks, "the write never reached the server"
    # When the server is told to stop (what uvicorn does on SIGTERM) and the lock is released
    server.should_exit = True
    time.sleep(0.3)
    other.execute("COMMIT")
    other.close()
    writer.join(30)
    thread.join(settings.shutdown_seconds + 10)
    # Then the write in flight was answered and is acknowledged, and the server has exited
    assert answers and answers[0].status_code == 200, answers and answers[0].text
    saved = answers[0].json()["data"]["updateServiceSite"]["serviceSite"]
    assert saved["name"] == "阵地0-0001"
    assert not thread.is_alive()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{base}/healthz", timeout=2)


async def test_given_a_frontend_on_an_allowed_origin_when_the_database_is_away_then_it_can_read_the_503(
    tmp_path: Path,
) -> None:
    origin = "https://www.example.org"
    settings = dataclasses.replace(
        settings_for(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}"), cors_origins=(origin,)
    )
    db = Database(settings)
    app = create_app(settings, db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ organisations { totalCount } }"},
            headers={"origin": origin, "accept-language": "en"},
        )
    await db.dispose()
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.headers["access-control-allow-origin"] == origin
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAVAILABLE" and "try again" in error["message"]
