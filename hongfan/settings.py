"""Settings from the environment. Nothing is read at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from models.messages import message

# The databases Hongfan runs on (SQLAlchemy backend names) and the drivers it installs.
SUPPORTED_DATABASES = ("postgresql", "sqlite")


class SettingsError(ValueError):
    """A ``HONGFAN_*`` variable that cannot be used; ``message(lang)`` is one line saying which and why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(message(code, "en", **params))
        self.code = code
        self.params = params

    def message(self, lang: str) -> str:
        return message(self.code, lang, **self.params)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError("settings.integer", name=name, value=raw) from None


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        port = _int(env, name, default)
    except SettingsError:
        port = -1
    if not 0 < port < 65536:
        raise SettingsError("settings.port", name=name, value=env.get(name, ""))
    return port


def _origins(raw: str) -> tuple[str, ...]:
    """``HONGFAN_CORS_ORIGINS``: origins separated by commas or spaces, each scheme://host[:port]."""
    origins = tuple(
        item.strip().rstrip("/") for item in raw.replace(",", " ").split() if item.strip()
    )
    for origin in origins:
        scheme, separator, rest = origin.partition("://")
        if (
            origin == "*"
            or scheme not in {"http", "https"}
            or not separator
            or not rest
            or "/" in rest
        ):
            raise SettingsError("settings.cors_origin", value=origin)
    return origins


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
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_echo: bool = False
    planner: bool = True
    # Login sessions (admin UI cookie): an absolute lifetime and an idle timeout.
    session_hours: int = 12
    session_idle_minutes: int = 120
    # Failed-login throttling, counted in the database so every process shares it
    # (docs/sign-in-throttling.md): an address is refused after max_failures_ip failures in
    # the window; an account is never locked, only slowed down after max_failures_account
    # failures (1, 2, 4 … s between attempts, at most login_max_delay_seconds).
    login_window_minutes: int = 15
    login_max_failures_account: int = 5
    login_max_failures_ip: int = 20
    login_max_delay_seconds: int = 60
    # Spreadsheet uploads (admin and CLI alike): hongfan.transfer.limits.
    import_max_mb: int = 10
    import_max_rows: int = 20_000
    import_max_columns: int = 100
    import_max_xlsx_part_mb: int = 50
    import_max_xlsx_ratio: int = 200
    import_max_cells: int = 1_000_000
    # Background jobs of imports and exports: their files, how long they are kept, and
    # the size above which an admin export runs as a job instead of downloading at once.
    jobs_dir: str = ""  # "" = <temp dir>/hongfan-jobs/<hash of the database URL>
    job_retention_hours: int = 24
    # Personal data kept this many years after a student's expected graduation year, then
    # anonymised by `hongfan retention run` (0: kept until erased on request).
    retention_years: int = 0
    export_inline_rows: int = 5_000
    # When the database goes away (#9.6): 503 with Retry-After, a bounded wait to connect,
    # SQLite's busy timeout (its own retries) before "locked" is a 503, and how long
    # SIGTERM waits for requests in flight.
    retry_after_seconds: int = 5
    db_connect_timeout_seconds: int = 5
    sqlite_busy_timeout_ms: int = 5000
    shutdown_seconds: int = 5
    # Bounded requests (#9): the /graphql body, the size of a filter, a statement's deadline.
    graphql_max_body_kb: int = 1024
    filter_max_string: int = 200
    filter_max_list: int = 1000
    filter_max_depth: int = 10
    filter_max_nodes: int = 200
    # A query's cost: rows it may fetch, the product of page sizes along each connection or
    # list's nesting path, summed (graph.query_cost), refused before any SQL past this.
    graphql_max_cost: int = 20_000
    statement_timeout_ms: int = 5000
    write_statement_timeout_ms: int = 60_000
    # Browsers and CDNs (#14): the origins allowed to call /graphql (none by default), and
    # how long an anonymous GET answer may be cached.
    cors_origins: tuple[str, ...] = ()
    cache_max_age: int = 60
    # Persisted operations (#14.4): the longest document stored, and how many are kept
    # (past either, a document runs without being stored: hongfan.persisted).
    persisted_max_chars: int = 20_000
    persisted_max_count: int = 10_000
    # ... and how many new ones an anonymous caller may add an hour from one address.
    persisted_anonymous_per_hour: int = 30
    # The keyring of sealed personal data (hongfan.keys): its JSON, or a file holding it.
    keys: str = field(default_factory=lambda: os.environ.get("HONGFAN_KEYS", ""), repr=False)
    keyring_file: str = field(default_factory=lambda: os.environ.get("HONGFAN_KEYRING_FILE", ""))

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
        if production and not (env.get("HONGFAN_KEYS") or env.get("HONGFAN_KEYRING_FILE")):
            raise SettingsError("settings.keys_required")
        if not secret:
            if production:
                raise SettingsError("settings.secret_required")
            # Development: the key is kept in a file beside the database, written on the
            # app's first start (hongfan.secret_file), so a restart signs nobody out.
            secret = ""
        return cls(
            database_url=check_database_url(
                normalise_database_url(env.get("HONGFAN_DATABASE_URL") or default_db)
            ),
            host=env.get("HONGFAN_HOST") or "127.0.0.1",
            port=_port(env, "HONGFAN_PORT", 8000),
            env=mode,
            secret_key=secret,
            graphiql=_flag(env.get("HONGFAN_GRAPHIQL"), not production),
            introspection=_flag(env.get("HONGFAN_INTROSPECTION"), not production),
            default_page_size=_int(env, "HONGFAN_DEFAULT_PAGE_SIZE", 20),
            max_page_size=_int(env, "HONGFAN_MAX_PAGE_SIZE", 100),
            db_pool_size=_int(env, "HONGFAN_DB_POOL_SIZE", 10),
            db_max_overflow=_int(env, "HONGFAN_DB_MAX_OVERFLOW", 10),
            db_echo=_flag(env.get("HONGFAN_DB_ECHO"), False),
            planner=_flag(env.get("HONGFAN_PLANNER"), True),
            session_hours=_int(env, "HONGFAN_SESSION_HOURS", 12),
            session_idle_minutes=_int(env, "HONGFAN_SESSION_IDLE_MINUTES", 120),
            login_window_minutes=_int(env, "HONGFAN_LOGIN_WINDOW_MINUTES", 15),
            login_max_failures_account=_int(env, "HONGFAN_LOGIN_MAX_FAILURES_ACCOUNT", 5),
            login_max_failures_ip=_int(env, "HONGFAN_LOGIN_MAX_FAILURES_IP", 20),
            login_max_delay_seconds=_int(env, "HONGFAN_LOGIN_MAX_DELAY_SECONDS", 60),
            import_max_mb=_int(env, "HONGFAN_IMPORT_MAX_MB", 10),
            import_max_rows=_int(env, "HONGFAN_IMPORT_MAX_ROWS", 20000),
            import_max_columns=_int(env, "HONGFAN_IMPORT_MAX_COLUMNS", 100),
            import_max_xlsx_part_mb=_int(env, "HONGFAN_IMPORT_MAX_XLSX_PART_MB", 50),
            import_max_xlsx_ratio=_int(env, "HONGFAN_IMPORT_MAX_XLSX_RATIO", 200),
            import_max_cells=_int(env, "HONGFAN_IMPORT_MAX_CELLS", 1_000_000),
            jobs_dir=env.get("HONGFAN_JOBS_DIR", ""),
            job_retention_hours=_int(env, "HONGFAN_JOB_RETENTION_HOURS", 24),
            retention_years=_int(env, "HONGFAN_RETENTION_YEARS", 0),
            export_inline_rows=_int(env, "HONGFAN_EXPORT_INLINE_ROWS", 5000),
            graphql_max_body_kb=_int(env, "HONGFAN_GRAPHQL_MAX_BODY_KB", 1024),
            keys=env.get("HONGFAN_KEYS", ""),
            keyring_file=env.get("HONGFAN_KEYRING_FILE", ""),
            retry_after_seconds=_int(env, "HONGFAN_RETRY_AFTER_SECONDS", 5),
            db_connect_timeout_seconds=_int(env, "HONGFAN_DB_CONNECT_TIMEOUT_SECONDS", 5),
            sqlite_busy_timeout_ms=_int(env, "HONGFAN_SQLITE_BUSY_TIMEOUT_MS", 5000),
            shutdown_seconds=_int(env, "HONGFAN_SHUTDOWN_SECONDS", 5),
            filter_max_string=_int(env, "HONGFAN_FILTER_MAX_STRING", 200),
            filter_max_list=_int(env, "HONGFAN_FILTER_MAX_LIST", 1000),
            filter_max_depth=_int(env, "HONGFAN_FILTER_MAX_DEPTH", 10),
            filter_max_nodes=_int(env, "HONGFAN_FILTER_MAX_NODES", 200),
            graphql_max_cost=_int(env, "HONGFAN_GRAPHQL_MAX_COST", 20_000),
            statement_timeout_ms=_int(env, "HONGFAN_STATEMENT_TIMEOUT_MS", 5000),
            write_statement_timeout_ms=_int(env, "HONGFAN_WRITE_STATEMENT_TIMEOUT_MS", 60000),
            cors_origins=_origins(env.get("HONGFAN_CORS_ORIGINS", "")),
            cache_max_age=_int(env, "HONGFAN_CACHE_MAX_AGE", 60),
            persisted_max_chars=_int(env, "HONGFAN_PERSISTED_MAX_CHARS", 20_000),
            persisted_max_count=_int(env, "HONGFAN_PERSISTED_MAX_COUNT", 10_000),
            persisted_anonymous_per_hour=_int(env, "HONGFAN_PERSISTED_ANONYMOUS_PER_HOUR", 30),
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


def check_database_url(url: str) -> str:
    """``url`` when it names a database Hongfan runs on; a SettingsError otherwise.

    Checked up front so that a ``mysql://`` URL is one clear line, not SQLAlchemy's
    missing-driver traceback at the first connection.
    """
    scheme, separator, _rest = url.partition("://")
    if not separator or not scheme:
        raise SettingsError("settings.database_url")
    backend = scheme.split("+", 1)[0].lower()
    if backend not in SUPPORTED_DATABASES:
        raise SettingsError("settings.database_scheme", scheme=backend)
    return url


def describe_database(url: str) -> str:
    """Which database ``url`` names, for people, never with its password.

    ``SQLite /abs/path/hongfan.db`` or ``PostgreSQL user@host:port/database``.
    """
    import sqlalchemy as sa

    try:
        parsed = sa.make_url(normalise_database_url(url))
    except sa.exc.ArgumentError:
        return url.split("://", 1)[0] + "://…"
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in {"", ":memory:"}:
            return "SQLite (in memory)"
        return f"SQLite {Path(database).expanduser().absolute()}"
    user = f"{parsed.username}@" if parsed.username else ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"PostgreSQL {user}{parsed.host or 'localhost'}{port}/{parsed.database or ''}"
