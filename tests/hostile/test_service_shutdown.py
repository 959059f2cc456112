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
        settings_for(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"), jobs_dir=str(tmp_path), shutdown_seconds=3
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
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post(
            "/auth/login", json={"email": "a@example.cn", "password": "whatever it is"}
        )
    await db.dispose()
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json() == {"error": "数据库暂时无法访问，请稍后重试", "code": "UNAVAILABLE"}
