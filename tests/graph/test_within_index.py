"""``within`` ("this organisation or anything below it") is answered from the path index (#10.5).

On PostgreSQL the subtree test is a range over ``organisation.path`` that the
``varchar_pattern_ops`` index serves; EXPLAIN of the statement a request sends shows it.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa
from strawberry import relay

from graph.context import Context
from graph.fastlane import capture, inline_parameters, install_capture
from graph.schema import build_schema
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Organisation


async def _network(database: Database, districts: int, communities: int) -> int:
    """A city with ``districts`` × ``communities`` organisations below; the first district's id."""
    table = Organisation.__table__  # type: ignore[attr-defined]
    rows = [{"id": 1, "name": "厦门市", "parent_id": None, "path": "/1/"}]
    pk = 1
    for d in range(districts):
        pk += 1
        district = pk
        rows.append({"id": district, "name": f"区{d}", "parent_id": 1, "path": f"/1/{district}/"})
        for c in range(communities):
            pk += 1
            rows.append(
                {
                    "id": pk,
                    "name": f"社区{d}-{c}",
                    "parent_id": district,
                    "path": f"/1/{district}/{pk}/",
                }
            )
    filler = {"kind": "association", "level": "community", "published": True}
    async with database.engine.begin() as connection:
        await connection.execute(sa.insert(table), [{**filler, **row} for row in rows])
        await connection.execute(sa.text("ANALYZE organisation"))
    return 2


@pytest.mark.postgres
async def test_within_is_answered_from_the_path_index_on_postgresql(database: Database):
    """Given 3,000 organisations, when a caller lists those within one district, then the
    statement PostgreSQL runs reads the path index (no scan of every organisation), and the
    answer is the district with its 99 communities."""
    if database.dialect != "postgresql":
        pytest.skip("an EXPLAIN of PostgreSQL's plan")
    district = await _network(database, districts=30, communities=99)
    install_capture(database.engine)
    gid = str(relay.GlobalID("Organisation", str(district)))
    query = "query($id: ID!) { organisations(filter: { within: $id }) { totalCount } }"
    context = Context(database, database.settings, dataclasses.replace(SYSTEM))
    context.planning_enabled = False
    try:
        with capture() as sent:
            result = await build_schema().execute(
                query, variable_values={"id": gid}, context_value=context
            )
    finally:
        await context.close()
    assert result.errors is None, result.errors
    assert result.data == {"organisations": {"totalCount": 100}}
    [(sql, params)] = [(s, p) for s, p in sent if "~>=~" in s][:1]
    inlined = inline_parameters(sql, tuple(params))
    assert inlined is not None
    async with database.engine.connect() as connection:
        plan = (await connection.execute(sa.text(f"EXPLAIN (FORMAT JSON) {inlined}"))).scalar()
    text = json.dumps(plan)
    assert "ix_organisation_path_pattern" in text, text
