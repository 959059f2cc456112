"""An update and its audit entry are one: written together, or (a concurrent edit) neither.

On PostgreSQL the entry is inserted by the update's own statement (hongfan.crud); these
stories hold on both databases.
"""

from __future__ import annotations

import sqlalchemy as sa

from hongfan import crud
from hongfan.db import Database
from hongfan.errors import Conflict
from hongfan.principal import SYSTEM
from models import ServiceSite
from models.audit import AuditEntry
from tests import factories


async def _site(database: Database) -> int:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        site = await factories.site(s, city, "高林社区向日葵亲子小屋")
        return int(site.id or 0)


async def _entries(database: Database, pk: int) -> list[AuditEntry]:
    async with database.session(SYSTEM) as s:
        rows = await s.execute(
            sa.select(AuditEntry)
            .where(AuditEntry.entity == "ServiceSite", AuditEntry.record_id == pk)  # type: ignore[arg-type]
            .order_by(AuditEntry.id)  # type: ignore[arg-type]
        )
        return list(rows.scalars().all())


async def test_an_update_leaves_exactly_one_entry_with_what_changed(database: Database):
    # Given a service site
    pk = await _site(database)
    # When its address is updated with the current version
    async with database.transaction(SYSTEM) as s:
        s.info["request_id"] = "req-1"
        site = await crud.update(s, ServiceSite, pk, 1, {"address": "厦门市湖里区示例路1号"})
    # Then the site has the next version and the log one entry for it, with the change
    assert site.version == 2
    updates = [e for e in await _entries(database, pk) if e.action == "update"]
    assert len(updates) == 1
    entry = updates[0]
    assert list(entry.changes) == ["address"]
    assert entry.changes["address"][1] == "厦门市湖里区示例路1号"
    assert (entry.actor, entry.request_id) == (SYSTEM.actor, "req-1")
    assert entry.organisation_id == site.organisation_id


async def test_an_edit_that_lost_a_race_writes_neither_the_record_nor_an_entry(
    database: Database,
):
    # Given a site read for editing by one writer …
    pk = await _site(database)
    async with database.transaction(SYSTEM) as s:
        stale = await crud._load_for_write(s, ServiceSite, pk)
    # … while another writer saves first
    async with database.transaction(SYSTEM) as s:
        await crud.update(s, ServiceSite, pk, 1, {"address": "先保存的地址"})
    # When the first writer's update reaches the database with the version it read
    refused = False
    try:
        async with database.transaction(SYSTEM) as s:
            s.add(stale)
            await crud._write_versioned(
                s,
                ServiceSite,
                stale,
                {"address": "后保存的地址"},
                "update",
                {"address": [None, "后保存的地址"]},
            )
    except Conflict:
        refused = True
    # Then it is a version conflict, the other edit stands, and only its entry is logged
    assert refused
    async with database.session(SYSTEM) as s:
        kept = (await s.execute(sa.select(ServiceSite).where(ServiceSite.id == pk))).scalar_one()  # type: ignore[arg-type]
    assert (kept.address, kept.version) == ("先保存的地址", 2)
    updates = [e.changes for e in await _entries(database, pk) if e.action == "update"]
    assert [c["address"][1] for c in updates] == ["先保存的地址"]
