"""Exports of public record types say what they hold before a user decides: the list of
service sites shows a district admin her own sites and every site published elsewhere, the
export holds her own (what she may edit and import back) — and the list, the bulk
confirmation, an export of another district and the audit log all say so, with the
export's own count."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Organisation
from tests.admin_ui.conftest import AdminClient, text_of


async def _siming(demo: Database) -> int:
    async with demo.session(SYSTEM) as session:
        found = await session.execute(
            sa.select(Organisation.id).where(Organisation.name == "思明区")  # type: ignore[call-overload]
        )
        return int(found.scalar_one())


async def _own_and_other(client: AdminClient) -> tuple[int, int]:
    """(rows of the signed-in admin's site export, the rest of the sites her list shows)."""
    listed = text_of((await client.get("/admin/service-sites")).text)
    found = re.search(r"共 ([\d,]+) 条", listed)
    assert found is not None
    total = int(found.group(1).replace(",", ""))
    own = len(_csv_rows((await client.get("/admin/service-sites/export.csv")).content))
    return own, total - own


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]


async def test_given_sites_published_elsewhere_when_huli_admin_opens_the_list_then_the_export_says_how_many_it_holds(
    client: AdminClient,
) -> None:
    """Given 湖里区's admin, whose site list holds her own sites and those other districts
    published, when she opens the list, then next to the export buttons it says how many of
    hers are exported and how many published elsewhere are not — and the file she gets has
    exactly that many rows."""
    await client.login("huli.admin@demo.hongfan")
    own, other = await _own_and_other(client)
    assert own and other  # the demo network has both
    page = text_of((await client.get("/admin/service-sites")).text)
    assert f"导出本单位及下级的 {own} 条（其他单位公开的 {other} 条不在导出范围）" in page


async def test_given_all_matching_sites_when_huli_admin_asks_to_export_them_then_the_confirmation_counts_her_own(
    client: AdminClient,
) -> None:
    """Given 湖里区's admin choosing "all matching records" on the site list, when she asks
    to export them, then the confirmation says it exports her own N sites and leaves the
    ones published elsewhere out, names only hers, and the confirmed file has N rows."""
    await client.login("huli.admin@demo.hongfan")
    own, other = await _own_and_other(client)
    confirm = await client.post("/admin/service-sites/bulk", {"action": "export_csv", "all": "1"})
    assert confirm.status_code == 200
    text = text_of(confirm.text)
    assert (
        f"将导出本单位及下级的以下 {own} 条服务阵地（其他单位公开的 {other} 条不在导出范围）。"
        in text
    )
    assert f"将导出以下 {own + other} 条" not in text
    ids = re.search(r'name="ids" value="([^"]*)"', confirm.text)
    assert ids is not None and len(ids.group(1).split(",")) == own
    done = await client.post(
        "/admin/service-sites/bulk", {"action": "export_csv", "ids": ids.group(1), "confirm": "1"}
    )
    assert len(_csv_rows(done.content)) == own


async def test_given_another_districts_filter_when_huli_admin_exports_then_she_is_told_nothing_of_hers_matches(
    client: AdminClient, demo: Database
) -> None:
    """Given 湖里区's admin looking at 思明区's published sites (?org=思明区), when she exports
    the list (or all its matching records), then instead of a file with only a header she is
    told none of her own sites match and the listed ones are other units' published sites."""
    siming = await _siming(demo)
    await client.login("huli.admin@demo.hongfan")
    page = text_of((await client.get(f"/admin/service-sites?org={siming}")).text)
    listed = re.search(r"共 ([\d,]+) 条", page)
    assert listed is not None and int(listed.group(1)) > 0
    assert f"导出本单位及下级的 0 条（其他单位公开的 {listed.group(1)} 条不在导出范围）" in page
    for fmt in ("csv", "xlsx"):
        response = await client.get(f"/admin/service-sites/export.{fmt}?org={siming}")
        assert response.status_code == 422
        assert "attachment" not in response.headers.get("content-disposition", "")
        said = text_of(response.text)
        assert "没有可导出的记录：本单位及下级没有符合条件的服务阵地" in said
        assert f'href="/admin/service-sites?org={siming}"' in response.text
    bulk = await client.post(
        "/admin/service-sites/bulk", {"action": "export_xlsx", "all": "1", "org": str(siming)}
    )
    assert bulk.status_code == 422 and "没有可导出的记录" in text_of(bulk.text)


async def test_given_an_unfiltered_export_when_the_audit_log_is_read_then_it_says_within_her_own_part(
    client: AdminClient,
) -> None:
    """Given 湖里区's admin exporting the whole site list, when the audit log is read, then
    the entry says it held the records of her own part (本单位范围内), not "all visible
    records" — which would have been the 88 the list showed."""
    await client.login("huli.admin@demo.hongfan")
    await client.get("/admin/service-sites/export.csv")
    await client.get("/admin/service-sites/export.csv?f_kind=sunflower_hut")
    page = text_of((await client.get("/admin/audit?action=export")).text)
    assert "本单位范围内的全部记录" in page
    assert "条件：本单位范围内；" in page
    assert "全部可见记录" not in page


async def test_given_a_type_without_published_rows_elsewhere_when_listed_then_no_export_note(
    client: AdminClient,
) -> None:
    """Given 湖里区's admin on the student list (no other units' rows in it), when she opens
    it, then the export buttons carry no note: the export is the list."""
    await client.login("huli.admin@demo.hongfan")
    page = text_of((await client.get("/admin/scholarship-students")).text)
    assert "不在导出范围" not in page
