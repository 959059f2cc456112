"""A published record outside the caller's district is shown, never offered for change (#10.6).

Signing in never hides public records: a 湖里 editor reads 思明's published sites like
anyone else. Their pages must not offer edit, delete or restore buttons that crud would
refuse, and the edit form itself says why instead of opening.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Organisation, ServiceSite
from tests.admin_ui.conftest import AdminClient, text_of


async def _site_in(demo: Database, district: str) -> Any:
    async with demo.session(SYSTEM) as session:
        root = (
            await session.execute(sa.select(Organisation).where(Organisation.name == district))
        ).scalar_one()
        return (
            await session.execute(
                sa.select(ServiceSite)
                .join(Organisation, Organisation.id == ServiceSite.organisation_id)
                .where(Organisation.path.like(root.path + "%"), ServiceSite.published.is_(True))
                .order_by(ServiceSite.id)
                .limit(1)
            )
        ).scalar_one()


async def test_a_huli_editor_reads_a_siming_site_but_is_offered_no_edit(
    client: AdminClient, demo: Database
) -> None:
    """Given a published 思明 site and a 湖里 editor, when she opens its page, then she reads
    it without an edit button, and opening its edit form says it is outside her district;
    her own district's site still offers the edit."""
    elsewhere = await _site_in(demo, "思明区")
    own = await _site_in(demo, "湖里区")
    await client.login("huli.editor@demo.hongfan")
    page = await client.get(f"/admin/service-sites/{elsewhere.id}")
    assert page.status_code == 200 and elsewhere.name in page.text
    assert f'href="/admin/service-sites/{elsewhere.id}/edit"' not in page.text
    form = await client.get(f"/admin/service-sites/{elsewhere.id}/edit")
    assert form.status_code == 403
    assert "只能查看，不能修改" in text_of(form.text)
    mine = await client.get(f"/admin/service-sites/{own.id}")
    assert f'href="/admin/service-sites/{own.id}/edit"' in mine.text
