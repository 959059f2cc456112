"""The indexed name search finds exactly what a plain substring search finds (#16.7).

Generated: names of Chinese characters, pinyin letters in both cases, digits, spaces and
the characters LIKE and FTS treat specially, stored, renamed and deleted (SQLite's index is
kept by triggers on each), then searched for fragments of them and for random text.
The reference is Python's ``term.lower() in name.lower()`` — on this alphabet what
text_contains promises (case-insensitive substring) on both databases.
"""

from __future__ import annotations

import os
from collections import Counter

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Organisation
from models.pinyin import derived_values
from models.search import text_contains

ALPHABET = "林示例陈演王小华李aAbBl1 ·%_\"-'*"
EXAMPLES = int(os.environ.get("HONGFAN_SEARCH_EXAMPLES", "15"))
TABLE = Organisation.__table__  # type: ignore[attr-defined]
texts = st.text(ALPHABET, min_size=1, max_size=6)


def _row(name: str) -> dict[str, str | None]:
    return {"name": name, **derived_values(Organisation, {"name": name})}


async def _store(
    database: Database, names: list[str], renamed: dict[int, str], deleted: set[int]
) -> list[dict[str, str | None]]:
    """Insert ``names``, rename and delete some rows; the rows left, as stored."""
    async with database.engine.begin() as connection:
        await connection.execute(sa.delete(TABLE))
        ids = [
            (await connection.execute(sa.insert(TABLE).values(_row(name)))).inserted_primary_key[0]
            for name in names
        ]
        for index, name in renamed.items():
            if index < len(ids):
                await connection.execute(
                    sa.update(TABLE).where(TABLE.c.id == ids[index]).values(_row(name))
                )
        gone = [ids[i] for i in deleted if i < len(ids)]
        await connection.execute(sa.delete(TABLE).where(TABLE.c.id.in_(gone)))
        rows = await connection.execute(
            sa.select(TABLE.c.name, TABLE.c.name_pinyin_search).order_by(TABLE.c.id)
        )
        return [dict(row._mapping) for row in rows]


async def _found(database: Database, column: str, term: str) -> Counter[str]:
    async with database.session(SYSTEM) as session:
        rows = await session.execute(
            sa.select(TABLE.c[column]).where(text_contains(TABLE.c[column], term))
        )
        return Counter(rows.scalars().all())


@given(
    names=st.lists(texts, min_size=1, max_size=8),
    renamed=st.dictionaries(st.integers(0, 7), texts, max_size=3),
    deleted=st.sets(st.integers(0, 7), max_size=3),
    data=st.data(),
)
@settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("HONGFAN_SEARCH_RANDOM"),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_a_name_search_finds_exactly_the_names_that_contain_the_term(
    database: Database,
    names: list[str],
    renamed: dict[int, str],
    deleted: set[int],
    data: st.DataObject,
) -> None:
    rows = await _store(database, names, renamed, deleted)
    for column in ("name", "name_pinyin_search"):
        stored = [str(row[column]) for row in rows if row[column]]
        fragments = [
            value[start:end]
            for value in stored
            for start in range(len(value))
            for end in range(start + 1, min(len(value), start + 4) + 1)
        ]
        choices = st.sampled_from(fragments) if fragments else texts
        for term in data.draw(st.lists(st.one_of(choices, texts), min_size=1, max_size=4)):
            expected = Counter(v for v in stored if term.lower() in v.lower())
            assert await _found(database, column, term) == expected, (column, term)


async def test_sqlite_answers_a_name_search_from_its_search_index(database: Database) -> None:
    """Given SQLite, when a list is searched by a name fragment, then the query plan reads
    the name search index instead of testing every row's name."""
    if database.dialect != "sqlite":
        return
    statement = sa.select(TABLE.c.id).where(text_contains(TABLE.c.name, "示例"))
    async with database.session(SYSTEM) as session:
        connection = await session.connection()
        compiled = statement.compile(dialect=connection.dialect)
        params = compiled.construct_params()
        plan = await connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled),
            tuple(params[name] for name in compiled.positiontup or ()),
        )
        text = "\n".join(str(row[-1]) for row in plan)
    assert "fts_organisation VIRTUAL TABLE INDEX" in text
