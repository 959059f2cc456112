"""SQLite triggers set aside while a migration rebuilds tables (frozen with 0010_authorship).

SQLite alters a column's type by copying the table (Alembic's batch mode): the old table
is dropped, taking its triggers with it, and renaming the copy fails while another
table's trigger names it (0008_tallies keeps its figures by triggers). So every trigger
is dropped first and created again, as it was, afterwards. PostgreSQL alters in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


@contextmanager
def triggers_set_aside(bind: Any) -> Iterator[None]:
    if bind.dialect.name != "sqlite":
        yield
        return
    rows = bind.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY name"
        )
    ).all()
    for name, _ in rows:
        bind.execute(sa.text(f'DROP TRIGGER IF EXISTS "{name}"'))
    yield
    for _, sql in rows:
        bind.execute(sa.text(sql))
