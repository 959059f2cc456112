"""A write's statements are built once and reused for every caller (#16.6): the record's
read, the credential lookup and the versioned UPDATE. Reuse must never carry one caller's
row scope over to the next: each still sees and changes only its own rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hongfan import crud
from hongfan.db import Database
from hongfan.errors import Conflict, Forbidden, NotFound
from hongfan.principal import SYSTEM, Principal, Role
from models import ServiceSite
from models.audit import AuditEntry
from tests import factories


def _admin(district: object, name: str) -> Principal:
    return Principal(
        kind="user",
        actor=f"user:{name}",
        role=Role.ORG_ADMIN,
        organisation_id=district.id,  # type: ignore[attr-defined]
        organisation_path=district.path,  # type: ignore[attr-defined]
    )


async def _address(database: Database, site_id: int) -> tuple[str, int]:
    async with database.transaction(SYSTEM) as session:
        site = await session.get(ServiceSite, site_id)
        assert site is not None
        return site.address or "", site.version


async def test_one_admins_update_does_not_open_another_district_to_the_next(
    database: Database,
) -> None:
    """Given org admins of 湖里区 and 思明区, each with a service site,
    when the 湖里区 admin updates their site and then the 思明区 admin updates theirs
    and tries the 湖里区 one (the same built statements, one caller after the other),
    then each change of their own is written with its audit entry, and the other
    district's site is refused: read-only (a published site) and left as it was."""
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        huli = await factories.organisation(session, "湖里区", city)
        siming = await factories.organisation(session, "思明区", city)
        huli_site = await factories.site(session, huli, "湖里区向日葵小屋", address="湖里路1号")
        siming_site = await factories.site(session, siming, "思明区向日葵小屋", address="思明路1号")
    assert huli_site.id is not None and siming_site.id is not None
    huli_admin, siming_admin = _admin(huli, "huli"), _admin(siming, "siming")

    for admin, site, address in (
        (huli_admin, huli_site, "湖里路2号"),
        (siming_admin, siming_site, "思明路2号"),
    ):
        await database.write(
            admin,
            lambda s, site=site, address=address: crud.update(
                s, ServiceSite, site.id, site.version, {"address": address}
            ),
        )
    assert (await _address(database, huli_site.id))[0] == "湖里路2号"
    assert (await _address(database, siming_site.id))[0] == "思明路2号"

    for admin, foreign in ((siming_admin, huli_site), (huli_admin, siming_site)):
        before = await _address(database, foreign.id)  # type: ignore[arg-type]
        with pytest.raises((Forbidden, NotFound)) as refused:
            await database.write(
                admin,
                lambda s, foreign=foreign, before=before: crud.update(
                    s, ServiceSite, foreign.id, before[1], {"address": "别区改的地址"}
                ),
            )
        assert refused.value.errors[0].code in {"read_only", "not_found"}
        assert await _address(database, foreign.id) == before  # type: ignore[arg-type]

    async with database.transaction(SYSTEM) as session:
        entries = (
            await session.execute(
                sa.select(AuditEntry.actor, AuditEntry.record_id).where(
                    AuditEntry.action == "update"
                )
            )
        ).all()
    assert sorted(entries) == sorted([("user:huli", huli_site.id), ("user:siming", siming_site.id)])


async def test_a_stale_version_after_reuse_is_a_conflict_in_chinese(database: Database) -> None:
    """Given a service site updated once (its statements built and reused),
    when the same admin sends the version they read before that update,
    then the write is refused as a version conflict in Chinese and nothing is written."""
    async with database.transaction(SYSTEM) as session:
        district = await factories.organisation(session, "湖里区")
        site = await factories.site(session, district, "湖里区向日葵小屋", address="湖里路1号")
    assert site.id is not None
    admin = _admin(district, "huli")
    stale = site.version
    await database.write(
        admin, lambda s: crud.update(s, ServiceSite, site.id, stale, {"address": "湖里路2号"})
    )
    with pytest.raises(Conflict) as conflict:
        await database.write(
            admin, lambda s: crud.update(s, ServiceSite, site.id, stale, {"address": "湖里路3号"})
        )
    error = conflict.value.errors[0]
    assert (error.field, error.code) == ("version", "conflict.version")
    assert error.message.startswith("该记录已被他人修改")
    assert await _address(database, site.id) == ("湖里路2号", stale + 1)
