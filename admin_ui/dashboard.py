"""The dashboard: the report's figures, live, over the caller's rows.

It reads them from the kernel (``hongfan.statistics``), the very figures GraphQL's
``statistics`` gives the same user: sums over tallies kept with the data for staff, so the
page answers in milliseconds however many students the network holds.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from admin_ui.columns import COUNT_CAP
from admin_ui.web import Page
from hongfan.statistics import TOTALS, Figures
from models.activities import ActivityKind
from models.base import choice_label
from models.practice import InternshipStatus
from models.sites import SiteKind

_CAMEL = {
    "organisations": "organisations",
    "service_sites": "serviceSites",
    "courses": "courses",
    "scholarship_students": "scholarshipStudents",
    "companies": "companies",
    "internships": "internships",
}


def _ranked(counts: dict[Any, int], members: list[Any], language: str) -> list[dict[str, Any]]:
    """Every member with its count and label, most numerous first, then declaration order."""
    rows = [
        {
            "kind": m.value,
            "status": m.value,
            "label": choice_label(m, language),
            "count": counts.get(m, 0),
        }
        for m in members
    ]
    order = {m.value: i for i, m in enumerate(members)}
    rows.sort(key=lambda r: (-r["count"], order[r["kind"]]))
    return rows


async def statistics(page: Page) -> dict[str, Any]:
    language = "en" if page.lang == "en" else "zh"
    async with page.db.session(page.principal) as session:
        figures = Figures(page.principal, session.execute)
        totals = await figures.totals()
        districts = sorted(
            (await figures.sites_by_district()).items(),
            key=lambda item: (-sum(item[1].values()), item[0].name, item[0].id),
        )
        by_district = [
            {"districtId": d.id, "districtName": d.name, "total": sum(kinds.values())}
            for d, kinds in districts
        ]
        knows_instructors = figures.knows_instructors()
        lacking = await figures.lacking_communities() if knows_instructors else []
        activity_totals = await figures.activity_totals()
        return {
            "totals": {
                **{_CAMEL[name]: totals[name] for name in TOTALS},
                "activities": activity_totals["activities"],
                "volunteers": activity_totals["volunteers"],
            },
            **await _activities(figures, language),
            "sitesByKind": _ranked(await figures.sites_by_kind(), list(SiteKind), language),
            "sitesByDistrict": by_district,
            "studentsFunded": [
                {
                    "year": g.year,
                    "students": g.students,
                    "grants": g.grants,
                    "totalAmount": g.amount,
                }
                for g in await figures.students_funded()
            ],
            "internshipsByStatus": _ranked(
                await figures.internships_by_status(), list(InternshipStatus), language
            ),
            "communitiesLackingInstructors": len(lacking) if knows_instructors else None,
            "communitiesTotal": await figures.communities_total(),
            "instructorsPerCommunity": [
                {
                    "organisationId": c.id,
                    "name": c.name,
                    "districtName": c.district.name if c.district else None,
                    "qualified": c.qualified,
                }
                for c in lacking
            ],
        }


async def _activities(figures: Figures, language: str) -> dict[str, Any]:
    """Activities by kind, district and year; volunteer hours by district (null when the
    caller may not see volunteers): the figures GraphQL's ``statistics`` gives too."""
    by_kind = {k: c.count for k, c in (await figures.activities_by_kind()).items()}
    districts = sorted(
        (await figures.activities_by_district()).items(),
        key=lambda item: (-item[1].count, item[0].name, item[0].id),
    )
    hours = None
    if figures.knows_volunteer_hours():
        hours = [
            {
                "districtId": d.id,
                "districtName": d.name,
                "volunteers": h.volunteers,
                "services": h.services,
                "hours": h.hours,
            }
            for d, h in sorted(
                (await figures.volunteer_hours_by_district()).items(),
                key=lambda item: (-item[1].hours, item[0].name, item[0].id),
            )
        ]
    return {
        "activitiesByKind": _ranked(by_kind, list(ActivityKind), language),
        "activitiesByDistrict": [
            {"districtId": d.id, "districtName": d.name, "total": c.count} for d, c in districts
        ],
        "activitiesByYear": [
            {"year": y, "count": c.count, "participants": c.participants}
            for y, c in sorted((await figures.activities_by_year()).items())
        ],
        "volunteerHoursByDistrict": hours,
    }


async def dashboard_page(page: Page) -> Response:
    stats = await statistics(page)
    # a figure past the lists' capped count links to its list asking for the exact one
    return page.render("dashboard.html", active="dashboard", stats=stats, count_cap=COUNT_CAP)


def routes(signed_in: Any) -> list[Any]:
    return []
