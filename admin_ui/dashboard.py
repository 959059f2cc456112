"""The dashboard: the report's figures, live, over the caller's rows.

It asks the GraphQL schema in-process as the signed-in user, so its numbers
are exactly what the API would give that user.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from admin_ui.web import Page
from graph.context import Context
from graph.schema import build_schema

QUERY = """{
  statistics {
    totals { organisations serviceSites courses scholarshipStudents companies internships }
    sitesByKind { kind label count }
    sitesByDistrict { districtId districtName total }
    studentsFunded { year students totalAmount }
    internshipsByStatus { status label count }
    communitiesLackingInstructors
    communitiesTotal
    instructorsPerCommunity(onlyLacking: true) { organisationId name districtName qualified }
  }
}"""


async def statistics(page: Page) -> dict[str, Any] | None:
    context = Context(page.db, page.settings, page.principal)
    try:
        result = await build_schema().execute(QUERY, context_value=context)
    finally:
        await context.close()
    if result.errors or result.data is None:
        return None
    data: dict[str, Any] = result.data["statistics"]
    return data


async def dashboard_page(page: Page) -> Response:
    stats = await statistics(page)
    return page.render("dashboard.html", active="dashboard", stats=stats)


def routes(signed_in: Any) -> list[Any]:
    return []
