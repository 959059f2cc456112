"""Hongfan benchmarks: data generator, load client, scenarios, baselines (``python -m bench``).

Never part of ``make test``. See bench/README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hongfan.db import Database

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
DATA_DIR = BENCH_DIR / ".data"  # SQLite files (gitignored)

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SIZES = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000}


def pg_dsn(size: str) -> str:
    """The plain libpq/asyncpg DSN of the bench database for ``size``."""
    return f"postgresql://postgres@127.0.0.1:5432/hongfan_bench_{size}"


def sqlite_path(size: str) -> Path:
    return DATA_DIR / f"hongfan_bench_{size}.sqlite3"


def app_url(size: str, backend: str) -> str:
    """The HONGFAN_DATABASE_URL for the bench database of ``size`` on ``backend``."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{sqlite_path(size)}"
    return pg_dsn(size)


def tokens_path(size: str, backend: str) -> Path:
    suffix = "" if backend == "postgresql" else f"-{backend}"
    return BENCH_DIR / f".tokens-{size}{suffix}.json"


async def app_database(url: str) -> Database:
    """The app's Database for ``url`` as a started server holds it: with the search
    statistics read (``hongfan.app``'s lifespan does so before the first request), so an
    in-process measurement plans a frequent search term as the server would (#16.5)."""
    from hongfan.db import Database
    from hongfan.settings import Settings

    db = Database(Settings.from_env({"HONGFAN_DATABASE_URL": url}))
    await db.refresh_search_statistics()
    return db
