"""The development secret key, kept in a file beside the database (like the keyring).

``HONGFAN_SECRET_KEY`` signs the session and trusted-device cookies. Production must set
it (every process the same). Outside production, when it is unset, the first start writes
a random key to ``hongfan.db.secret`` next to ``hongfan.db`` (for PostgreSQL
``hongfan-<database>.secret`` in the working directory), readable by its owner only
(0600), and every later start — and every other process on the same database — reads
the same key: restarting ``make run`` no longer signs everyone out or voids the
trusted-device cookies. An in-memory SQLite database gets a key for the process only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import secrets
import time
from pathlib import Path

import sqlalchemy as sa

from hongfan.settings import Settings

log = logging.getLogger(__name__)


def default_secret_file(database_url: str) -> Path | None:
    """Where the development secret of ``database_url`` is kept; None for an in-memory database."""
    url = sa.make_url(database_url)
    name = url.database or "hongfan"
    if url.get_backend_name() == "sqlite":
        if name in {"", ":memory:"}:
            return None
        path = Path(name).expanduser().absolute()
        return path.with_name(path.name + ".secret")
    return Path.cwd() / f"hongfan-{Path(name).name}.secret"


def _read(path: Path) -> str:
    # Another process may be between creating the file and linking it: it appears whole
    # (os.link of a finished file), so an empty read only means "not yet", briefly.
    for _attempt in range(50):
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        time.sleep(0.01)
    raise OSError(f"empty secret key file {path}")


def development_secret(path: Path) -> str:
    """The key in ``path``, written there first (0600, atomically) when the file does not exist."""
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(temporary, path)  # fails when another process was first: use theirs
            log.warning("created a development secret key at %s", path)
        except FileExistsError:
            pass
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return _read(path)


def with_secret(settings: Settings) -> Settings:
    """``settings`` with a secret key: its own, else (outside production) the development file's."""
    if settings.secret_key or settings.is_production:
        return settings
    path = default_secret_file(settings.database_url)
    secret = secrets.token_urlsafe(32) if path is None else development_secret(path)
    return dataclasses.replace(settings, secret_key=secret)
