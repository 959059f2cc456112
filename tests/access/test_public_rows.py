"""Signing in never hides public records (#10.6), on the demo network.

For the public types (organisations, service sites, courses and their sessions,
practice-base companies, activities) a signed-in caller reads its own scope plus every
published row, like an anonymous caller; outside its scope those rows are read-only.
Each list request runs by field resolution and, on PostgreSQL, through the planner too
(tests/graph/test_differential.py walks generated requests through the replayed path).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import sqlalchemy as sa
from strawberry import relay

from graph.context import Context
from graph.schema import build_schema
from hongfan import accounts
from hongfan.db import Database
from hongfan.demo import load_demo
from hongfan.principal import ANONYMOUS, SYSTEM, Principal
from models import Company, Organisation, ServiceSite
from models.accounts import User

VIEWER_OF_SIMING = "siming.viewer@demo.hongfan"
EDITOR_OF_HULI = "huli.editor@demo.hongfan"
PARTNER = "partner@demo.hongfan"


async def _principal(database: Database, email: str) -> Principal:
    async with database.session(SYSTEM) as session:
        user = (await session.execute(sa.select(User).where(User.email == email))).scalar_one()
        return await accounts.principal_for(session, user)


async def _answers(
    database: Database,
    principal: Principal,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    plannable: bool = True,
) -> list[dict[str, Any]]:
    """The data of ``query`` by every path: resolved; on PostgreSQL planned too."""
    schema = build_schema()
    runs = [False] + ([True] if plannable and database.dialect == "postgresql" else [])
    found = []
    for planned in runs:
        context = Context(database, database.settings, dataclasses.replace(principal))
        context.planning_enabled = planned
        try:
            result = await schema.execute(query, variable_values=variables, context_value=context)
        finally:
            await context.close()
        assert result.errors is None, result.errors
        assert context.planned is planned
        assert result.data is not None
        found.append(result.data)
    assert all(answer == found[0] for answer in found), found
    return found


async def _ids(database: Database, principal: Principal, plural: str, filter_text: str) -> set[str]:
    """Every row of the list, walking its pages (100 at most each)."""
    query = (
        f"query($after: String) {{ {plural}(filter: {filter_text}, first: 100, after: $after) "
        "{ totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    )
    ids: set[str] = set()
    after = None
    while True:
        data = (await _answers(database, principal, query, {"after": after}))[0][plural]
        ids |= {edge["node"]["id"] for edge in data["edges"]}
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert data["totalCount"] == len(ids)
    return ids


@pytest.fixture
async def demo(database: Database) -> Database:
    await load_demo(database)
    return database


async def test_a_viewer_of_siming_sees_all_87_published_sites_like_the_anonymous_caller(
    demo: Database,
):
    """Given the demo network, when a viewer of 思明区 lists the published service sites,
    then it gets all 87 of them, the very ones an anonymous caller gets — not only 思明's —
    and its statistics list every district."""
    viewer = await _principal(demo, VIEWER_OF_SIMING)
    published = "{ published: { eq: true } }"
    seen_anonymously = await _ids(demo, ANONYMOUS, "serviceSites", published)
    seen_signed_in = await _ids(demo, viewer, "serviceSites", published)
    assert len(seen_anonymously) == 87
    assert seen_signed_in == seen_anonymously
    # and by the way a frontend asks for them: the 湖里 huts through a relation filter
    huli = '{ organisation: { name: { contains: "湖里" } }, published: { eq: true } }'
    assert await _ids(demo, viewer, "serviceSites", huli) == await _ids(
        demo, ANONYMOUS, "serviceSites", huli
    )
    assert await _ids(demo, viewer, "serviceSites", huli)
    # and its statistics list every district the public sees, with at least the public figures
    query = "{ statistics { totals { serviceSites } sitesByDistrict { districtName total } } }"
    public = (await _answers(demo, ANONYMOUS, query, plannable=False))[0]["statistics"]
    signed_in = (await _answers(demo, viewer, query, plannable=False))[0]["statistics"]
    public_by_district = {d["districtName"]: d["total"] for d in public["sitesByDistrict"]}
    viewer_by_district = {d["districtName"]: d["total"] for d in signed_in["sitesByDistrict"]}
    assert len(public_by_district) == 6
    assert set(viewer_by_district) == set(public_by_district)
    assert all(viewer_by_district[name] >= n for name, n in public_by_district.items())
    assert signed_in["totals"]["serviceSites"] >= public["totals"]["serviceSites"] == 87


async def test_a_partner_sees_all_19_practice_base_companies_and_changes_none(demo: Database):
    """Given the demo's partner (bound to one company), when it lists practice-base
    companies, then it sees all 19 published ones, like the public, not only its own;
    when it tries to change one, it is refused."""
    partner = await _principal(demo, PARTNER)
    companies = await _ids(demo, partner, "companies", "{}")
    assert len(companies) == 19
    assert companies == await _ids(demo, ANONYMOUS, "companies", "{}")
    async with demo.session(SYSTEM) as session:
        company = (await session.execute(sa.select(Company).order_by(Company.id))).scalars().first()  # type: ignore[arg-type]
    assert company is not None
    mutation = """mutation($input: UpdateCompanyInput!) { updateCompany(input: $input) {
        company { id } errors { code } } }"""
    context = Context(demo, demo.settings, dataclasses.replace(partner))
    try:
        result = await build_schema().execute(
            mutation,
            variable_values={
                "input": {
                    "id": str(relay.GlobalID("Company", str(company.id))),
                    "version": company.version,
                    "industry": "改名",
                }
            },
            context_value=context,
        )
    finally:
        await context.close()
    assert result.errors is None, result.errors
    assert result.data is not None
    payload = result.data["updateCompany"]
    assert payload["company"] is None and payload["errors"]


async def _update_site(database: Database, principal: Principal, site: ServiceSite) -> Any:
    mutation = """mutation($input: UpdateServiceSiteInput!) { updateServiceSite(input: $input) {
        serviceSite { name } errors { field code message } } }"""
    variables = {
        "input": {
            "id": str(relay.GlobalID("ServiceSite", str(site.id))),
            "version": site.version,
            "address": "厦门市某路1号",
        }
    }
    context = Context(database, database.settings, dataclasses.replace(principal))
    try:
        result = await build_schema().execute(
            mutation, variable_values=variables, context_value=context
        )
    finally:
        await context.close()
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data["updateServiceSite"]


async def test_editing_a_published_site_outside_the_editors_district_is_refused(
    demo: Database,
):
    """Given a 湖里 editor, who now reads 思明's published sites, when it edits one of them,
    then it is refused as read-only (and the site is unchanged), while a 湖里 site saves."""
    editor = await _principal(demo, EDITOR_OF_HULI)
    async with demo.session(SYSTEM) as session:

        async def first_site(district: str) -> ServiceSite:
            org = (
                await session.execute(sa.select(Organisation).where(Organisation.name == district))
            ).scalar_one()
            inside = sa.select(Organisation.id).where(Organisation.path.like(org.path + "%"))  # type: ignore[attr-defined,union-attr]
            return (
                (
                    await session.execute(
                        sa.select(ServiceSite)
                        .where(
                            ServiceSite.organisation_id.in_(inside),  # type: ignore[attr-defined]
                            ServiceSite.published.is_(True),  # type: ignore[attr-defined]
                        )
                        .order_by(ServiceSite.id)
                    )
                )
                .scalars()
                .first()
            )

        elsewhere, own = await first_site("思明区"), await first_site("湖里区")
    assert elsewhere is not None and own is not None
    refused = await _update_site(demo, editor, elsewhere)
    assert refused["serviceSite"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("id", "read_only")]
    assert "只能查看" in refused["errors"][0]["message"]
    async with demo.session(SYSTEM) as session:
        unchanged = await session.get(ServiceSite, elsewhere.id)
        assert unchanged is not None and unchanged.address == elsewhere.address
    saved = await _update_site(demo, editor, own)
    assert saved["errors"] == [] and saved["serviceSite"] is not None
