"""Where the keyring of sealed columns comes from, and checking it opens the data (#12.4).

In order: ``HONGFAN_KEYS`` (the keyring's JSON itself, e.g. from a secret store), the
file ``HONGFAN_KEYRING_FILE``, and — outside production only — a development key file
beside the database (``hongfan.db.keys.json`` next to ``hongfan.db``), created on first
start and kept, so a restart never makes data unreadable. Production without keys does
not start. The keys are never stored in the database.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hongfan.settings import Settings
from models import sealed
from models.sealed import Keyring, KeyringError

log = logging.getLogger(__name__)


def default_key_file(settings: Settings) -> Path:
    url = sa.make_url(settings.database_url)
    name = url.database or "hongfan"
    if url.get_backend_name() == "sqlite" and name != ":memory:":
        path = Path(name).expanduser().absolute()
        return path.with_name(path.name + ".keys.json")
    return Path.cwd() / f"hongfan-{Path(name).name}.keys.json"


def resolve(settings: Settings, *, create: bool = True) -> Keyring:
    """The keyring ``settings`` name; a new development key file when there is none yet."""
    if settings.keys:
        return Keyring.from_json(settings.keys, "HONGFAN_KEYS")
    if settings.keyring_file:
        return Keyring.load(Path(settings.keyring_file).expanduser())
    if settings.is_production:
        raise KeyringError("keys.required")
    path = default_key_file(settings)
    if path.exists():
        return Keyring.load(path)
    if not create:
        raise KeyringError("keys.unreadable", source=str(path))
    ring = Keyring.generate()
    ring.save(path)
    log.warning("created a development keyring at %s: keep it with the database", path)
    return ring


def load(settings: Settings) -> Keyring:
    """Resolve and install the keyring for this process."""
    ring = resolve(settings)
    sealed.install(ring)
    return ring


async def verify(connection: Any, ring: Keyring | None = None) -> None:
    """Raise :class:`KeyringError` when the keyring cannot open a sealed value the database holds."""
    for table, column in (("scholarship_student", "id_number"), ("enrolment", "phone")):
        try:
            async with connection.begin_nested():
                row = (
                    await connection.execute(
                        sa.text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL LIMIT 1")  # noqa: S608 (fixed names)
                    )
                ).first()
        except sa.exc.DBAPIError:
            return  # not migrated yet: nothing sealed to open
        if row is not None:
            sealed.unseal(column, str(row[0]), ring)


def message_of(error: KeyringError, lang: str) -> str:
    from models.messages import message

    return message(error.code, lang, **error.params)


SEALED_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("scholarship_student", ("id_number", "phone", "family_category")),
    ("enrolment", ("phone",)),
    ("volunteer", ("phone",)),
)


async def reseal(engine: Any, ring: Keyring, *, batch: int = 500) -> int:
    """Re-seal every value not under the active key; online, in short batches, resumable.

    Each batch is its own transaction over rows by id, so readers and writers carry on
    between them, and a run that stops (or is stopped) is finished by running it again:
    values already under the active key are left alone. The blind index does not change.
    """
    done = 0
    for table_name, columns in SEALED_COLUMNS:
        table = sa.table(
            table_name, sa.column("id", sa.Integer()), *(sa.column(c, sa.String()) for c in columns)
        )
        last = 0
        while True:
            async with engine.begin() as connection:
                rows = (
                    await connection.execute(
                        sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(batch)
                    )
                ).all()
                if not rows:
                    break
                for row in rows:
                    values = {}
                    for column in columns:
                        stored = getattr(row, column)
                        if stored is not None and sealed.key_id_of(str(stored)) != ring.active:
                            values[column] = sealed.seal(
                                column, sealed.unseal(column, str(stored), ring), ring
                            )
                    if values:
                        await connection.execute(
                            table.update().where(table.c.id == row.id).values(**values)
                        )
                        done += len(values)
                last = rows[-1].id
    return done
