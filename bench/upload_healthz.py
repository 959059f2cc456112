"""How /healthz answers while the worst spreadsheet the limits let through is parsed (#9.3).

    .venv/bin/python -m bench.upload_healthz [--rows 20000] [--columns 100]

Serves Hongfan (SQLite, a temporary file) with uvicorn in a thread, signs in as an editor,
uploads an .xlsx of ``rows`` × ``columns`` distinct cells (as large as the default limits
allow: within the upload size, the part size and the compression ratio) to the service-site
import, and polls ``/healthz`` every 50 ms until the import's check has finished. Prints the
upload's size, how long the check took and the latency of /healthz meanwhile (median, 95th
percentile, maximum), beside /healthz on the idle server (same run).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import secrets
import statistics
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx

HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: int, columns: int) -> bytes:
    """An .xlsx whose first sheet has a header and ``rows`` rows of ``columns`` random cells."""
    import openpyxl  # type: ignore[import-untyped]

    book = openpyxl.Workbook()
    original = io.BytesIO()
    book.save(original)
    header = "<row>" + '<c t="inlineStr"><is><t>名称</t></is></c>' * columns + "</row>"
    body = "".join(
        "<row>"
        + "".join(
            f'<c t="inlineStr"><is><t>{secrets.token_hex(3)}</t></is></c>' for _ in range(columns)
        )
        + "</row>"
        for _ in range(rows)
    )
    sheet = (
        HEAD + f"<worksheet {NS}><sheetData>" + header + body + "</sheetData></worksheet>"
    ).encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(original) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            target.writestr(entry, sheet if entry.filename == SHEET else source.read(entry))
    return out.getvalue()


async def prepare(url: str) -> None:
    from sqlmodel import SQLModel

    import models  # noqa: F401 — registers every table
    from hongfan import accounts
    from hongfan.db import Database, create_engine
    from hongfan.principal import SYSTEM, Role
    from hongfan.settings import Settings

    settings = Settings(database_url=url, secret_key="bench")
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    db = Database(settings, engine)
    try:
        async with db.transaction(accounts.AUTH) as session:
            await accounts.create_user(
                session, SYSTEM, "bench@example.cn", Role.SUPERADMIN, password="bench password 1"
            )
    finally:
        await db.dispose()


def latencies(http: httpx.Client, until: object) -> list[float]:
    found: list[float] = []
    while not getattr(until, "done", False):
        started = time.perf_counter()
        assert http.get("/healthz").status_code == 200
        found.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    return found


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms ({len(ordered)} probes)"


def main() -> None:
    import uvicorn

    from hongfan.app import create_app
    from hongfan.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--columns", type=int, default=100)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hongfan-bench-upload-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    asyncio.run(prepare(url))
    data = workbook(args.rows, args.columns)
    settings = Settings(database_url=url, secret_key="bench", jobs_dir=str(folder))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=0, log_level="warning"))
    sock = __import__("socket").socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=30) as http:
        while True:
            try:
                http.get("/healthz")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        idle: list[float] = []

        class Flag:
            done = False

        flag = Flag()
        probe = threading.Thread(target=lambda: idle.extend(latencies(http, flag)))
        probe.start()
        time.sleep(2)
        flag.done = True
        probe.join()
        http.post(
            "/admin/login", data={"email": "bench@example.cn", "password": "bench password 1"}
        )
        csrf = re.search(
            r'name="csrf_token" value="([^"]+)"', http.get("/admin/service-sites/import").text
        )
        assert csrf is not None
        started = time.perf_counter()
        response = http.post(
            "/admin/service-sites/import",
            data={"csrf_token": csrf.group(1)},
            files={
                "file": (
                    "bench.xlsx",
                    data,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            },
        )
        job_url = response.headers["location"]
        busy: list[float] = []
        flag = Flag()
        probe = threading.Thread(target=lambda: busy.extend(latencies(http, flag)))
        probe.start()
        while True:
            page = http.get(job_url)
            if 'http-equiv="refresh"' not in page.text:
                break
            time.sleep(0.5)
        checked = time.perf_counter() - started
        flag.done = True
        probe.join()
    server.should_exit = True
    thread.join(10)
    print(
        f"upload: {len(data) / 1024 / 1024:.1f} MB .xlsx, {args.rows} rows × {args.columns} columns"
    )
    print(f"check finished after {checked:.1f} s (job page status {page.status_code})")
    print(f"/healthz idle:            {summary(idle)}")
    print(f"/healthz while it parses: {summary(busy)}")


if __name__ == "__main__":
    main()
