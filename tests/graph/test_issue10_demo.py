"""Issue #10's examples, on the demo network, as an anonymous caller would ask them.

Each request is answered by field resolution and, on PostgreSQL, by the planner too; the
answers must be the same. (The mechanisms are tested on small worlds in test_complement.py,
test_integrity.py and test_differential.py; these are the figures a user quoted.)
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from typing import Any

import sqlalchemy as sa
from strawberry import relay

from graph.context import Context
from graph.schema import build_schema
from hongfan.db import Database
from hongfan.demo import load_demo
from hongfan.principal import ANONYMOUS, SYSTEM
from models import Organisation, ServiceSite
from models.sites import SiteKind


async def _data(database: Database, query: str, variables: dict[str, Any] | None = None) -> Any:
    found = []
    for planned in (False, True) if database.dialect == "postgresql" else (False,):
        context = Context(database, database.settings, dataclasses.replace(ANONYMOUS))
        context.planning_enabled = planned
        try:
            result = await build_schema().execute(
                query, variable_values=variables, context_value=context
            )
        finally:
            await context.close()
        assert result.errors is None, result.errors
        assert context.planned is planned
        found.append(result.data)
    assert all(answer == found[0] for answer in found)
    return found[0]


def _readme_example(name: str) -> str:
    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", readme, flags=re.S)
    return next(b for b in blocks if b.startswith(f"query {name}"))


async def test_on_the_demo_network_sites_without_a_course_and_the_readme_huts_of_tongan(
    database: Database,
):
    """Given the demo network,
    when the public asks for sites without a course, then they are the 77 of the 87 published
    sites that have none (not 0), and with the 10 that have one they make up the total;
    when it runs the README's first example (sunflower huts of 同安), then it gets every
    published hut hosted in 同安区 at any depth, and only those."""
    await load_demo(database)
    count = "query($f: ServiceSiteFilter) { serviceSites(filter: $f) { totalCount } }"

    async def sites(where: dict[str, Any] | None) -> int:
        return int((await _data(database, count, {"f": where}))["serviceSites"]["totalCount"])

    total, with_course, without = (
        await sites(None),
        await sites({"courses": {}}),
        await sites({"not": {"courses": {}}}),
    )
    assert (total, without) == (87, 77)
    assert with_course + without == total
    training = {"courses": {"title": {"contains": "培训"}}}
    assert await sites(training) + await sites({"not": training}) == total

    async with database.session(SYSTEM) as session:
        tongan = (
            await session.execute(sa.select(Organisation).where(Organisation.name == "同安区"))
        ).scalar_one()
        below = sa.select(Organisation.id).where(Organisation.path.like(f"{tongan.path}%"))  # type: ignore[attr-defined,union-attr]
        huts = set(
            (
                await session.execute(
                    sa.select(ServiceSite.name).where(
                        ServiceSite.organisation_id.in_(below),  # type: ignore[attr-defined]
                        ServiceSite.kind == SiteKind.SUNFLOWER_HUT,
                        ServiceSite.published.is_(True),  # type: ignore[attr-defined]
                        ServiceSite.deleted_at.is_(None),  # type: ignore[union-attr]
                    )
                )
            ).scalars()
        )
    assert huts
    district = str(relay.GlobalID("Organisation", str(tongan.id)))
    answer = (await _data(database, _readme_example("SunflowerHuts"), {"district": district}))[
        "serviceSites"
    ]
    assert answer["totalCount"] == len(huts)
    assert {e["node"]["name"] for e in answer["edges"]} <= huts
    assert len(answer["edges"]) == min(10, len(huts))


async def test_on_the_demo_network_pages_walked_backwards_are_the_forward_pages_reversed(
    database: Database,
):
    """Given the demo's published sites in name order, when a frontend walks them backwards
    from the end (``last``/``before``, Relay's loadPrevious), then it meets exactly the rows
    of the forward walk, with hasPreviousPage true until the first page."""
    await load_demo(database)
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      serviceSites(orderBy: [{ name: ASC }], first: $first, after: $after, last: $last,
                   before: $before) {
        edges { node { id } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    forward: list[str] = []
    after = None
    while True:
        page = (await _data(database, query, {"first": 25, "after": after}))["serviceSites"]
        forward += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward: list[str] = []
    before = None
    while True:
        page = (await _data(database, query, {"last": 25, "before": before}))["serviceSites"]
        backward = [e["node"]["id"] for e in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        assert len(page["edges"]) == 25
        before = page["pageInfo"]["startCursor"]
    assert len(forward) == 87
    assert backward == forward
