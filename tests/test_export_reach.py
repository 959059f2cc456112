"""What an export holds, told before it starts: a public type's list shows other units'
published rows too, its export only the caller's own part (OWN_PART) — and the counts said
on the list and the confirmation page are the export's own, on both databases."""

from __future__ import annotations

import csv
import io

from hongfan.db import Database
from hongfan.principal import Principal, Role, system
from hongfan.transfer.exporting import export_file
from hongfan.transfer.reach import export_reach
from models import ServiceSite
from tests import factories


async def test_given_sites_published_elsewhere_when_a_district_admin_asks_then_the_reach_is_the_files(
    database: Database,
) -> None:
    """Given 湖里区 with 2 sites of its own and 思明区 with 3 published sites (and 1 not
    published), when the 湖里区 admin asks what an export of the sites holds, then it says 2
    exported and 3 left out — exactly the rows of the file and the rest of what the list
    shows; filtered to 思明区 it says nothing of hers is exported, while the 3 are listed;
    and a superadmin, reading nothing beyond her own part, leaves nothing out."""
    async with database.transaction(system("test")) as s:
        city = await factories.organisation(s, "厦门市")
        huli = await factories.organisation(s, "湖里区", city)
        siming = await factories.organisation(s, "思明区", city)
        for name in ("高林小屋", "殿前小屋"):
            await factories.site(s, huli, name)
        for name in ("湖滨小屋", "中华小屋", "鹭江小屋"):
            await factories.site(s, siming, name)
        await factories.site(s, siming, "未公开小屋", published=False)
    admin = factories.staff(Role.ORG_ADMIN, huli, actor="user:huli-admin")

    reach = await export_reach(database, admin, "ServiceSite")
    data = await export_file(database, admin, "ServiceSite", "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    assert (reach.exported, reach.left_out, reach.exact) == (2, 3, True) == (len(rows), 3, True)
    assert not reach.nothing_own

    elsewhere = ServiceSite.organisation_id == siming.id  # type: ignore[attr-defined]
    there = await export_reach(database, admin, "ServiceSite", elsewhere)
    assert (there.exported, there.left_out) == (0, 3) and there.nothing_own
    # Capped like the list's count: past the cap a figure is not given as exact.
    capped = await export_reach(database, admin, "ServiceSite", cap=5)
    assert (capped.exported, capped.exact, capped.left_out) == (2, True, 3)
    capped = await export_reach(database, admin, "ServiceSite", cap=2)
    assert (capped.exported, capped.exact, capped.left_out) == (2, True, None)
    capped = await export_reach(database, admin, "ServiceSite", cap=1)
    assert (capped.exported, capped.exact, capped.left_out) == (1, False, None)

    superadmin = Principal(kind="user", actor="user:admin", role=Role.SUPERADMIN)
    everything = await export_reach(database, superadmin, "ServiceSite")
    assert (everything.exported, everything.left_out) == (6, 0)
