"""Spreadsheet import and export at office scale: figures, never assertions.

    .venv/bin/python -m bench.transfer                      # SQLite: 10,000-row import, 50,000-row export
    .venv/bin/python -m bench.transfer --postgres           # the same on PostgreSQL (127.0.0.1:5432)
    .venv/bin/python -m bench.transfer --rows 10000 --export-rows 167030

Import: a 10,000-row student CSV uploaded through the admin UI (in-process ASGI, the job
in its background thread exactly as in the server); while the check and the commit run,
``/healthz`` and the job's status are polled every 100 ms and the slowest answer is
reported. Export: a district of ``--export-rows`` students written as CSV by the streaming
export, with the time (wall and CPU), rows per second and how much the peak memory grew.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
import time
from datetime import date
from typing import Any

import httpx
import sqlalchemy as sa

import models  # noqa: F401  (registers every table)
from hongfan import accounts, crud
from hongfan.app import create_app
from hongfan.db import Database, create_engine
from hongfan.principal import Role, system
from hongfan.settings import Settings
from hongfan.transfer.writing import write_csv
from models import Organisation, ScholarshipStudent
from models.base import utcnow
from models.validators import make_national_id

SYSTEM = system("bench")
HEADERS = [
    "姓名",
    "性别",
    "身份证号",
    "手机号码",
    "家庭类别",
    "所在组织",
    "就读高校",
    "专业",
    "入学年份",
    "毕业年份",
]
PASSWORD = "bench-transfer-2024"


def numbers(count: int, offset: int = 0) -> list[str]:
    """``count`` distinct valid ID numbers (湖里区, born 1995–2006)."""
    out = []
    for i in range(offset, offset + count):
        birth = date(1995 + i % 12, 1 + i // 12 % 12, 1 + i // 144 % 28)
        out.append(make_national_id("350206", birth, (i // 4032) * 2 % 1000, "female"))
    return out


async def database(postgres: bool, name: str = "hongfan_bench_transfer") -> Database:
    """A fresh scratch database (PostgreSQL ``name``, dropped and made anew, or a SQLite file)."""
    if postgres:
        admin = sa.make_url("postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
        engine = create_engine(Settings(database_url=admin.render_as_string(False)))
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        await engine.dispose()
        url = admin.set(database=name).render_as_string(False)
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='hongfan-bench-')}/transfer.db"
    settings = Settings(
        database_url=url, secret_key="bench", jobs_dir=tempfile.mkdtemp(prefix="hongfan-jobs-")
    )
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(models.Record.metadata.create_all)
    return Database(settings, engine)


async def world(db: Database) -> list[Organisation]:
    async with db.transaction(SYSTEM) as s:
        city = await crud.create(s, Organisation, {"name": "厦门市", "level": "city"})
        huli = await crud.create(
            s, Organisation, {"name": "湖里区", "level": "district", "parent_id": city.id}
        )
        street = await crud.create(
            s, Organisation, {"name": "金山街道", "level": "street", "parent_id": huli.id}
        )
        homes = [
            await crud.create(
                s,
                Organisation,
                {"name": f"示例{i}社区", "level": "community", "parent_id": street.id},
            )
            for i in range(20)
        ]
        await accounts.create_user(
            s, SYSTEM, "bench@example.org", Role.SUPERADMIN, password=PASSWORD
        )
    return homes  # type: ignore[return-value]


class Watch:
    """Polls /healthz and the job's status every 100 ms; keeps the slowest answer."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.slowest = 0.0

    async def get(self, path: str) -> httpx.Response:
        started = time.perf_counter()
        response = await self.http.get(path)
        self.slowest = max(self.slowest, time.perf_counter() - started)
        return response

    async def until_done(self, job: str) -> float:
        started = time.perf_counter()
        while (await self.get(f"/admin/jobs/{job}.json")).json()["state"] not in ("done", "failed"):
            await self.get("/healthz")
            await asyncio.sleep(0.1)
        return time.perf_counter() - started


async def bench_import(db: Database, rows: int) -> dict[str, Any]:
    homes = [f"湖里区/金山街道/示例{i}社区" for i in range(20)]
    lines = [
        [
            f"学生{i}",
            "女",
            n,
            "13800138000",
            "建档立卡贫困家庭",
            homes[i % 20],
            "厦门大学",
            "护理学",
            "2021",
            "2025",
        ]
        for i, n in enumerate(numbers(rows))
    ]
    data = write_csv(HEADERS, lines)
    app = create_app(db.settings, db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as http:
        await http.post("/admin/login", data={"email": "bench@example.org", "password": PASSWORD})
        csrf = re.search(
            r'name="csrf_token" value="([^"]+)"',
            (await http.get("/admin/scholarship-students/import")).text,
        ).group(1)  # type: ignore[union-attr]
        watch = Watch(http)
        started = time.perf_counter()
        upload = await http.post(
            "/admin/scholarship-students/import",
            data={"csrf_token": csrf},
            files={"file": ("s.csv", data, "text/csv")},
        )
        upload_seconds = time.perf_counter() - started
        job_url = upload.headers["location"]
        job = job_url.rsplit("/", 1)[-1]
        check = await watch.until_done(job)
        started = time.perf_counter()
        await http.post(job_url + "/commit", data={"csrf_token": csrf})
        commit = await watch.until_done(job)
        page = await http.get(job_url)
    async with db.session(SYSTEM) as session:
        stored = (
            await session.execute(sa.select(sa.func.count()).select_from(ScholarshipStudent))
        ).scalar_one()  # type: ignore[arg-type]
    return {
        "rows": rows,
        "upload_s": upload_seconds,
        "check_s": check,
        "commit_s": commit,
        "slowest_request_s": watch.slowest,
        "stored": stored,
        "done": "导入完成" in page.text,
    }


async def bench_export(db: Database, rows: int, homes: list[Organisation]) -> dict[str, Any]:
    async with db.session(SYSTEM) as session:
        have = int(
            (
                await session.execute(sa.select(sa.func.count()).select_from(ScholarshipStudent))
            ).scalar_one()
        )  # type: ignore[arg-type]
    table = ScholarshipStudent.__table__  # type: ignore[attr-defined]
    now = utcnow()
    extra = numbers(max(0, rows - have), offset=have)
    async with db.transaction(SYSTEM) as session:
        for start in range(0, len(extra), 5000):
            await session.execute(
                sa.insert(table),
                [
                    {
                        "name": f"导出{start + i}",
                        "gender": "female",
                        "id_number": n,
                        "phone": "13800138000",
                        "family_category": "registered_poor",
                        "organisation_id": homes[i % 20].id,
                        "university": "厦门大学",
                        "enrolment_year": 2021,
                        "graduation_year": 2025,
                        "employment_outcome": "studying",
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "created_by": None,
                        "updated_by": None,
                    }
                    for i, n in enumerate(extra[start : start + 5000])
                ],
            )
    from bench.export import export_once

    result = await export_once(db, SYSTEM, "csv", None)  # timed without tracemalloc (#16.4)
    return {
        "rows": result["rows"],
        "csv_s": result["seconds"],
        "cpu_s": result["cpu_s"],
        "rows_per_s": result["rows_per_s"],
        "csv_mb": result["file_mb"],
        "rss_growth_mb": result["rss_growth_mb"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.transfer")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=50_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    db = await database(args.postgres)
    try:
        homes = await world(db)
        print(f"database: {db.dialect}; load: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        result = await bench_import(db, args.rows)
        print(
            "import  "
            + "  ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()
            )
        )
        result = await bench_export(db, args.export_rows, homes)
        print(
            "export  "
            + "  ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()
            )
        )
    finally:
        await db.dispose()
        if args.postgres:
            await drop_database()


async def drop_database(name: str = "hongfan_bench_transfer") -> None:
    engine = create_engine(
        Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    )
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
