"""totalCount is exact for ordinary lists and an estimate, flagged, for huge ones."""

from __future__ import annotations

import pytest

from hongfan import reads
from hongfan.principal import SYSTEM
from tests import factories
from tests.graph.conftest import data_of

QUERY = '{ organisations(filter: { level: { eq: COMMUNITY } }) { totalCount totalCountIsExact edges { node { name } } } }'


async def _communities(database, count: int) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        for i in range(count):
            await factories.organisation(s, f"社区{i}", city, level="community")


async def test_small_lists_are_counted_exactly(run, database):
    await _communities(database, 12)
    data = data_of(await run(QUERY))["organisations"]
    assert data == {**data, "totalCount": 12, "totalCountIsExact": True}


async def test_past_the_exact_limit_the_count_is_an_estimate_on_postgresql(run, database, monkeypatch: pytest.MonkeyPatch):
    await _communities(database, 40)
    monkeypatch.setattr(reads, "EXACT_COUNT_LIMIT", 10)
    data = data_of(await run(QUERY))["organisations"]
    if database.dialect == "postgresql":
        assert data["totalCountIsExact"] is False
        assert data["totalCount"] > 10  # never less than what was seen to exist
    else:
        assert data["totalCountIsExact"] is True and data["totalCount"] == 40
    assert len(data["edges"]) == 20
