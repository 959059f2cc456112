"""An organisation sits below its parent and above its sub-units: city → district → street →
community (levels may be skipped), on every write path — so no district ever lies inside
another, where the district figures would count its rows in one district and show the
other as empty (outside tester: 海沧区 moved under 湖里区 showed 0 sites on every dashboard,
and an editor could create a "district" under a community)."""

from __future__ import annotations

import pytest

from hongfan import crud
from hongfan.db import Database
from hongfan.errors import Invalid
from hongfan.principal import SYSTEM
from models import Organisation
from tests import factories


async def test_a_level_out_of_order_is_refused_on_the_field_and_changes_nothing(
    database: Database,
) -> None:
    """Given 厦门市 → 湖里区 → 江头街道 → 江头社区 (and an organisation with no level under the
    street) and 海沧区, when someone creates a district under the street or under the
    blank-level one, moves 海沧区 under 湖里区, the street or the blank-level one, or makes the
    street a community while a community sits below it, then each is refused with a message on the field in
    Chinese naming the parent or sub-unit, and nothing changes; a community under the street,
    a street straight under the city's district and a move of a street to 海沧区 are fine."""
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        huli = await factories.organisation(s, "湖里区", city)
        haicang = await factories.organisation(s, "海沧区", city)
        street = await factories.organisation(s, "江头街道", huli, level="street")
        await factories.organisation(s, "江头社区", street, level="community")
        ids = {"city": city.id, "huli": huli.id, "haicang": haicang.id, "street": street.id}
        # a blank level is allowed, and compared through: what lies above it still counts
        blank = await factories.organisation(s, "测试无层级", street, level=None)
        ids["blank"] = blank.id

    refused = [
        (
            "create",
            {"name": "测试假区", "level": "district", "parent_id": ids["street"]},
            "parent_id",
        ),
        (
            "create",
            {"name": "测试假区", "level": "district", "parent_id": ids["blank"]},
            "parent_id",
        ),
        ("move", (ids["haicang"], {"parent_id": ids["blank"]}), "parent_id"),
        ("move", (ids["haicang"], {"parent_id": ids["huli"]}), "parent_id"),
        ("move", (ids["haicang"], {"parent_id": ids["street"]}), "parent_id"),
        ("move", (ids["street"], {"level": "community"}), "level"),
        ("move", (ids["huli"], {"level": "street"}), "level"),
    ]
    for kind, data, field in refused:
        with pytest.raises(Invalid) as raised:
            async with database.transaction(SYSTEM) as s:
                if kind == "create":
                    await crud.create(s, Organisation, dict(data))  # type: ignore[arg-type]
                else:
                    record_id, changes = data  # type: ignore[misc]
                    await crud.update(s, Organisation, record_id, None, changes)
        errors = raised.value.errors
        assert [e.field for e in errors] == [field], data
        assert "层级须" in errors[0].message and "“" in errors[0].message, errors[0].message

    async with database.session(SYSTEM) as s:
        haicang_now = await s.get(Organisation, ids["haicang"])
        assert haicang_now is not None and haicang_now.parent_id == ids["city"]
        street_now = await s.get(Organisation, ids["street"])
        assert street_now is not None and str(street_now.level) == "street"

    async with database.transaction(SYSTEM) as s:
        await crud.create(
            s, Organisation, {"name": "新社区", "level": "community", "parent_id": ids["street"]}
        )
        await crud.update(s, Organisation, ids["street"], None, {"parent_id": ids["haicang"]})
