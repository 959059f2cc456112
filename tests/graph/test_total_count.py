"""totalCount is exact whenever it can be counted in time; past that a flagged lower bound, never a guess."""

from __future__ import annotations

import pytest

from hongfan import reads
from hongfan.principal import SYSTEM
from tests import factories
from tests.graph.conftest import data_of

QUERY = "{ organisations(filter: { level: { eq: COMMUNITY } }) { totalCount totalCountIsExact edges { node { name } } } }"


async def _communities(database, count: int) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        for i in range(count):
            await factories.organisation(s, f"社区{i}", city, level="community")


async def test_small_lists_are_counted_exactly(run, database):
    await _communities(database, 12)
    data = data_of(await run(QUERY))["organisations"]
    assert data == {**data, "totalCount": 12, "totalCountIsExact": True}


async def test_past_the_exact_limit_a_count_made_in_time_is_exact(
    run, database, monkeypatch: pytest.MonkeyPatch
):
    """Given 40 communities and an exact limit of 10, the count past it fits its time budget:
    totalCount is the true 40 on both databases (never the planner's estimate)."""
    await _communities(database, 40)
    monkeypatch.setattr(reads, "EXACT_COUNT_LIMIT", 10)
    data = data_of(await run(QUERY))["organisations"]
    assert (data["totalCount"], data["totalCountIsExact"]) == (40, True)
    assert len(data["edges"]) == 20


async def test_a_count_over_its_budget_says_more_than_the_limit_not_a_guess():
    """When counting past the limit would take too long, totalCount is the limit + 1 with
    totalCountIsExact false: "more than 10,000", a true lower bound."""
    seen: list[int] = []

    async def execute(statement):
        class Result:
            def scalar_one(self) -> int:
                return 11  # count_up_to saw more than the limit

        return Result()

    async def too_slow(statement, budget_ms: int) -> int | None:
        seen.append(budget_ms)
        return None

    from models import Organisation

    assert await reads.honest_count(
        execute, Organisation, None, count_within=too_slow, exact_limit=10
    ) == (11, False)
    assert seen == [reads.COUNT_BUDGET_MS]


async def test_a_count_cancelled_by_its_budget_leaves_the_request_working(database):
    """PostgreSQL: a count over budget is cancelled (None), and the request's next read works."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite has no statement timeout: it counts")
    import sqlalchemy as sa

    from graph.context import Context
    from tests.conftest import settings_for

    context = Context(database, settings_for(database.settings.database_url), SYSTEM)
    try:
        show = sa.text("SHOW statement_timeout")
        before = (await context.execute(show)).scalar_one()
        slow = sa.select(sa.func.count()).select_from(sa.select(sa.func.pg_sleep(0.5)).subquery())
        assert await context.count_within(slow, 20) is None
        assert await context.count_within(sa.select(sa.literal(3)), 1000) == 3
        assert (
            await context.execute(show)
        ).scalar_one() == before  # the budget ended with its savepoint
        assert not context.timed_out  # a count over budget is not the request's deadline
    finally:
        await context.close()
