"""A generic aggregate per type: one statement, under the caller's row scope, both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hongfan.aggregates import AggregateError, Measure, aggregate
from hongfan.db import Database
from hongfan.principal import SYSTEM, Principal, Role
from models import Grant, ScholarshipStudent
from tests import factories

SUPERADMIN = Principal(kind="user", actor="t", role=Role.SUPERADMIN)


async def test_grants_by_year_count_and_sum_for_a_superadmin_and_a_district_editor(
    database: Database, sql_counter
) -> None:
    """Given grants in two districts (one soft-deleted), when each caller asks for grants per
    year with their count and sum, then each sees exactly their rows, in one statement."""
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "测试市")
        a = await factories.organisation(s, "甲区", city)
        b = await factories.organisation(s, "乙区", city)
        one = await factories.student(s, a, graduation_year=2025)
        two = await factories.student(s, b, graduation_year=2026)
        await factories.grant(s, one, "1500.50", year=2022)
        await factories.grant(s, one, "2000.00", year=2023)
        await factories.grant(s, two, "800.00", year=2022)
        gone = await factories.grant(s, two, "999.99", year=2021)  # soft-deleted below: no 2021 row
        gone_id = gone.id
    from hongfan import crud

    async with database.transaction(SYSTEM) as s:
        await crud.delete(s, Grant, gone_id)

    measures = [Measure("count"), Measure("sum", "amount"), Measure("max", "amount")]
    async with database.session(SUPERADMIN) as s:
        sql_counter.reset()
        rows = await aggregate(s.execute, SUPERADMIN, Grant, group_by=["year"], measures=measures)
        assert sql_counter.count <= 2  # the statement (and a BEGIN)
    assert rows == [
        {
            "year": 2022,
            "count": 2,
            "sum_amount": Decimal("2300.50"),
            "max_amount": Decimal("1500.50"),
        },
        {
            "year": 2023,
            "count": 1,
            "sum_amount": Decimal("2000.00"),
            "max_amount": Decimal("2000.00"),
        },
    ]
    editor = Principal(
        kind="user", actor="t", role=Role.EDITOR, organisation_id=b.id, organisation_path=b.path
    )
    async with database.session(editor) as s:
        assert await aggregate(s.execute, editor, Grant, group_by=["year"], measures=measures) == [
            {
                "year": 2022,
                "count": 1,
                "sum_amount": Decimal("800.00"),
                "max_amount": Decimal("800.00"),
            },
        ]
        by_year = await aggregate(
            s.execute, editor, ScholarshipStudent, group_by=["graduation_year", "gender"]
        )
        assert by_year == [{"graduation_year": 2026, "gender": "female", "count": 1}]


def test_only_few_valued_readable_columns_group_and_only_numbers_sum() -> None:
    from hongfan.aggregates import statement

    with pytest.raises(AggregateError):
        statement(SUPERADMIN, ScholarshipStudent, group_by=["name"], measures=[Measure("count")])
    with pytest.raises(AggregateError):  # personal data: never a figure
        statement(
            SUPERADMIN,
            ScholarshipStudent,
            group_by=["family_category"],
            measures=[Measure("count")],
        )
    with pytest.raises(AggregateError):
        statement(
            SUPERADMIN, ScholarshipStudent, group_by=[], measures=[Measure("sum", "university")]
        )
    with pytest.raises(AggregateError):
        statement(
            SUPERADMIN,
            Grant,
            group_by=["year", "organisation_id", "student_id"],
            measures=[Measure("count")],
        )
