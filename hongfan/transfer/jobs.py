"""Background jobs: imports checked and committed, large exports written, off the event loop.

A job is a ``transfer_job`` row (state, phase, counters, a JSON summary) plus files in
the jobs directory (``HONGFAN_JOBS_DIR``; by default a folder per database under the
system's temporary directory): the upload, the error file, the export. Any app
process shows a job's progress and hands out its files, so a page reload or another
worker process finds it; the process that accepted it runs it, in a
:class:`JobRunner` thread with its own event loop and its own database engine, so the
server's event loop keeps answering (``/healthz`` included) while thousands of rows
are parsed and checked.

Phases: an import is ``check`` (parse and check every row: the preview), then, when
the user confirms, ``commit`` (check again and write all or nothing); an export is
``export``. States: ``queued`` → ``running`` → ``done`` or ``failed``. Jobs and their
files are removed ``HONGFAN_JOB_RETENTION_HOURS`` after they were created.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import queue
import secrets
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hongfan.db import Database
from hongfan.principal import Principal, system
from hongfan.settings import Settings
from models.base import utcnow
from models.jobs import TransferJob
from models.messages import message

log = logging.getLogger("hongfan.jobs")
JOBS = system("jobs")
STALE_AFTER = timedelta(minutes=15)  # a running job not heard from since: its process died
PROGRESS_SECONDS = 0.5

Work = Callable[["JobContext"], Awaitable[dict[str, Any]]]


def jobs_dir(settings: Settings) -> Path:
    """Where job files live (created 0700 on first use)."""
    if settings.jobs_dir:
        path = Path(settings.jobs_dir)
    else:
        digest = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / "hongfan-jobs" / digest
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def job_file(settings: Settings, job_id: str, suffix: str) -> Path:
    if not job_id.isalnum():
        raise ValueError("not a job id")
    return jobs_dir(settings) / f"{job_id}.{suffix}"


async def create_job(
    db: Database,
    principal: Principal,
    *,
    kind: str,
    type_name: str,
    phase: str,
    filename: str = "",
    upload: bytes | None = None,
) -> TransferJob:
    """A queued job (and its upload, written 0600 beside it)."""
    job = TransferJob(
        id=secrets.token_hex(16),
        kind=kind,
        type_name=type_name,
        phase=phase,
        state="queued",
        actor=principal.actor,
        user_id=principal.user_id,
        language=principal.language,
        filename=filename[:255],
    )
    if upload is not None:
        path = job_file(db.settings, job.id, "upload")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            target.write(upload)
    async with db.transaction(JOBS) as session:
        session.add(job)
    await sweep(db)
    return job


async def get_job(db: Database, job_id: str) -> TransferJob | None:
    async with db.session(JOBS) as session:
        job = await session.get(TransferJob, job_id)
    if job is not None and job.state == "running" and utcnow() - job.updated_at > STALE_AFTER:
        job.state, job.summary = "failed", {**job.summary, "error": "import.job_failed"}
    return job


def visible_to(job: TransferJob | None, principal: Principal) -> bool:
    """Only the account that started a job sees it."""
    return job is not None and (
        (job.user_id is not None and job.user_id == principal.user_id)
        or job.actor == principal.actor
    )


async def update_job(db: Database, job_id: str, **values: Any) -> None:
    async with db.transaction(JOBS) as session:
        table = TransferJob.__table__  # type: ignore[attr-defined]
        await session.execute(
            sa.update(table).where(table.c.id == job_id).values(updated_at=utcnow(), **values)
        )


async def sweep(db: Database) -> None:
    """Remove jobs (and their files) past the retention period."""
    cutoff = utcnow() - timedelta(hours=db.settings.job_retention_hours)
    table = TransferJob.__table__  # type: ignore[attr-defined]
    async with db.transaction(JOBS) as session:
        old = (
            (await session.execute(sa.select(table.c.id).where(table.c.created_at < cutoff)))
            .scalars()
            .all()
        )
        if old:
            await session.execute(sa.delete(table).where(table.c.id.in_(old)))
    for job_id in old:
        for path in jobs_dir(db.settings).glob(f"{job_id}.*"):
            path.unlink(missing_ok=True)


class JobInterrupted(Exception):
    """The process is shutting down: the job stops at its next progress point."""

    code = "job.interrupted"
    params: dict[str, Any] = {}

    def message(self, lang: str) -> str:
        return message(self.code, lang)


class JobContext:
    """What a job's work sees: its row, its database, and a throttled progress writer."""

    def __init__(
        self,
        db: Database,
        job: TransferJob,
        principal: Principal,
        stopping: threading.Event | None = None,
    ) -> None:
        self.db = db
        self.job = job
        self.principal = principal
        self.stopping = stopping
        self._last = 0.0
        # While an import holds SQLite's write lock, another connection cannot write the
        # counters: they are written when the lock is released.
        self.quiet = False

    def path(self, suffix: str) -> Path:
        return job_file(self.db.settings, self.job.id, suffix)

    async def progress(self, **counters: int) -> None:
        if self.stopping is not None and self.stopping.is_set():
            raise JobInterrupted()  # inside an import's transaction: nothing is written
        now = time.monotonic()
        if self.quiet or now - self._last < PROGRESS_SECONDS:
            return
        self._last = now
        await update_job(self.db, self.job.id, **counters)


class JobRunner:
    """Runs jobs one at a time (per process) in a thread with its own event loop.

    The thread is a daemon: a shutting-down process (SIGTERM) calls :meth:`stop`, which
    asks the running job to stop at its next progress point and waits a few seconds for
    it, and then exits whatever the job does — it never holds the process up.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stopping = threading.Event()
        self._queue: queue.SimpleQueue[
            tuple[concurrent.futures.Future[None], Callable[[], Any]] | None
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="hongfan-job", daemon=True)
        self._thread.start()

    def submit(
        self, job: TransferJob, principal: Principal, work: Work
    ) -> concurrent.futures.Future[None]:
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._queue.put((future, lambda: asyncio.run(self._run(job, principal, work))))
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as error:  # noqa: BLE001 — reported on the future
                future.set_exception(error)

    async def _run(self, job: TransferJob, principal: Principal, work: Work) -> None:
        db = Database(self.settings)
        try:
            if self.stopping.is_set():
                raise JobInterrupted()
            await update_job(db, job.id, state="running")
            try:
                summary = await work(JobContext(db, job, principal, self.stopping))
            except Exception as error:  # noqa: BLE001 — any failure ends the job, never the server
                code = getattr(error, "code", None) if hasattr(error, "message") else None
                log.warning(
                    "job %s (%s %s) failed: %s",
                    job.id,
                    job.kind,
                    job.type_name,
                    type(error).__name__,
                )
                summary = {
                    "error": code or "import.job_failed",
                    "params": getattr(error, "params", {}),
                }
                await update_job(db, job.id, state="failed", summary=summary, finished_at=utcnow())
                return
            await update_job(db, job.id, state="done", summary=summary, finished_at=utcnow())
        except JobInterrupted:
            summary = {"error": JobInterrupted.code, "params": {}}
            await update_job(db, job.id, state="failed", summary=summary, finished_at=utcnow())
        finally:
            await db.dispose()

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop taking jobs, interrupt the running one, and wait up to ``timeout`` seconds."""
        self.stopping.set()
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join, timeout)

    def shutdown(self) -> None:
        self.stopping.set()
        self._queue.put(None)


__all__ = [
    "JOBS",
    "JobContext",
    "JobInterrupted",
    "JobRunner",
    "create_job",
    "get_job",
    "job_file",
    "jobs_dir",
    "sweep",
    "update_job",
    "visible_to",
]
