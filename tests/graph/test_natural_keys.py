"""Natural keys are declared once (EntityMeta.natural_key) and hold on every surface.

The import has always matched a service site by its name within its organisation; the
API now refuses a second site with the same name and organisation instead of making two
identical ones, with the same field error as any other duplicate.
"""

from __future__ import annotations

from strawberry import relay

from hongfan.db import Database
from hongfan.principal import SYSTEM
from hongfan.transfer import NATURAL_KEYS
from models import ENTITIES
from tests import factories
from tests.graph.conftest import data_of

CREATE_SITE = """mutation($input: CreateServiceSiteInput!) { createServiceSite(input: $input) {
    serviceSite { id name } errors { field code message } } }"""


async def _community(database: Database):  # type: ignore[no-untyped-def]
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        return await factories.organisation(s, "高林社区", city, level="community")


async def test_create_service_site_twice_with_the_same_name_and_organisation_is_refused(
    run, database
):
    gaolin = await _community(database)
    site = {
        "name": "高林社区向日葵亲子小屋",
        "kind": "SUNFLOWER_HUT",
        "organisationId": str(relay.GlobalID("Organisation", str(gaolin.id))),
    }
    first = data_of(await run(CREATE_SITE, {"input": site}))["createServiceSite"]
    assert first["errors"] == [] and first["serviceSite"]["name"] == "高林社区向日葵亲子小屋"

    again = data_of(await run(CREATE_SITE, {"input": site}))["createServiceSite"]

    assert again["serviceSite"] is None
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("name", "unique")]
    count = data_of(await run("{ serviceSites { totalCount } }"))["serviceSites"]["totalCount"]
    assert count == 1


async def test_the_same_name_in_another_organisation_is_another_site(run, database):
    gaolin = await _community(database)
    async with database.transaction(SYSTEM) as s:
        other = await factories.organisation(s, "枋湖社区", None, level="community")
    for host in (gaolin, other):
        site = {
            "name": "向日葵亲子小屋",
            "kind": "SUNFLOWER_HUT",
            "organisationId": str(relay.GlobalID("Organisation", str(host.id))),
        }
        result = data_of(await run(CREATE_SITE, {"input": site}))["createServiceSite"]
        assert result["errors"] == []


def test_the_import_matches_on_the_keys_every_write_enforces() -> None:
    """One declaration: the import's keys are the types' natural keys, and each one that is
    not for people with namesakes is a group every write checks for duplicates."""
    for type_name, model in ENTITIES.items():
        meta = model.__entity__
        assert NATURAL_KEYS.get(type_name, ()) == meta.natural_key
        if meta.natural_key and not meta.namesakes:
            table = model.__table__  # type: ignore[attr-defined]
            single = len(meta.natural_key) == 1 and table.c[meta.natural_key[0]].unique
            assert single or meta.natural_key in meta.unique_groups, type_name
