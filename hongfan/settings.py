"""Settings from the environment. Nothing is read at import time."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    env: str = "development"
    secret_key: str = ""
    graphiql: bool = True
    introspection: bool = True
    default_page_size: int = 20
    max_page_size: int = 100
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_echo: bool = False
    planner: bool = True
    # Login sessions (admin UI cookie): an absolute lifetime and an idle timeout.
    session_hours: int = 12
    session_idle_minutes: int = 120
    # Failed-login throttling, counted in the database so every process shares it.
    login_window_minutes: int = 15
    login_max_failures_account: int = 5
    login_max_failures_ip: int = 20
    # Spreadsheet uploads (admin and CLI alike): hongfan.transfer.limits.
    import_max_mb: int = 10
    import_max_rows: int = 20_000
    import_max_columns: int = 100
    import_max_xlsx_part_mb: int = 50
    import_max_xlsx_ratio: int = 200
    # Background jobs of imports and exports: their files, how long they are kept, and
    # the size above which an admin export runs as a job instead of downloading at once.
    jobs_dir: str = ""  # "" = <temp dir>/hongfan-jobs/<hash of the database URL>
    job_retention_hours: int = 24
    export_inline_rows: int = 5_000

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mode = env.get("HONGFAN_ENV", "development")
        production = mode == "production"
        default_db = "sqlite+aiosqlite:///" + str(Path.cwd() / "hongfan.db")
        secret = env.get("HONGFAN_SECRET_KEY", "")
        if not secret:
            if production:
                raise RuntimeError("HONGFAN_SECRET_KEY must be set when HONGFAN_ENV=production")
            # A fresh key per process is fine for development: nothing signed outlives it.
            secret = secrets.token_urlsafe(32)
        return cls(
            database_url=normalise_database_url(env.get("HONGFAN_DATABASE_URL") or default_db),
            host=env.get("HONGFAN_HOST", "127.0.0.1"),
            port=int(env.get("HONGFAN_PORT", "8000")),
            env=mode,
            secret_key=secret,
            graphiql=_flag(env.get("HONGFAN_GRAPHIQL"), not production),
            introspection=_flag(env.get("HONGFAN_INTROSPECTION"), not production),
            default_page_size=int(env.get("HONGFAN_DEFAULT_PAGE_SIZE", "20")),
            max_page_size=int(env.get("HONGFAN_MAX_PAGE_SIZE", "100")),
            db_pool_size=int(env.get("HONGFAN_DB_POOL_SIZE", "5")),
            db_max_overflow=int(env.get("HONGFAN_DB_MAX_OVERFLOW", "10")),
            db_echo=_flag(env.get("HONGFAN_DB_ECHO"), False),
            planner=_flag(env.get("HONGFAN_PLANNER"), True),
            session_hours=int(env.get("HONGFAN_SESSION_HOURS", "12")),
            session_idle_minutes=int(env.get("HONGFAN_SESSION_IDLE_MINUTES", "120")),
            login_window_minutes=int(env.get("HONGFAN_LOGIN_WINDOW_MINUTES", "15")),
            login_max_failures_account=int(env.get("HONGFAN_LOGIN_MAX_FAILURES_ACCOUNT", "5")),
            login_max_failures_ip=int(env.get("HONGFAN_LOGIN_MAX_FAILURES_IP", "20")),
            import_max_mb=int(env.get("HONGFAN_IMPORT_MAX_MB", "10")),
            import_max_rows=int(env.get("HONGFAN_IMPORT_MAX_ROWS", "20000")),
            import_max_columns=int(env.get("HONGFAN_IMPORT_MAX_COLUMNS", "100")),
            import_max_xlsx_part_mb=int(env.get("HONGFAN_IMPORT_MAX_XLSX_PART_MB", "50")),
            import_max_xlsx_ratio=int(env.get("HONGFAN_IMPORT_MAX_XLSX_RATIO", "200")),
            jobs_dir=env.get("HONGFAN_JOBS_DIR", ""),
            job_retention_hours=int(env.get("HONGFAN_JOB_RETENTION_HOURS", "24")),
            export_inline_rows=int(env.get("HONGFAN_EXPORT_INLINE_ROWS", "5000")),
        )


def normalise_database_url(url: str) -> str:
    """Accept the URLs people write and pick the async driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url
