"""Cursors never carry personal data in clear (#10, #12): no ID number, phone or family
category in a cursor or next-page link, whatever the list is ordered by.

The design: a sensitive column is never a sort key (``models.base.col`` makes it
unorderable, so the ``<Type>Order`` inputs leave it out and a request ordering by it is
refused before any SQL), and a cursor holds only the ordering's key values and the id. So
no ordering can put such a value into a cursor. These tests hold both halves on every
record type and path.
"""

from __future__ import annotations

import base64
import dataclasses

from graph.context import Context
from graph.schema import build_schema
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import ENTITIES
from models.base import column_meta
from tests import factories


def _sensitive(type_name: str) -> list[str]:
    model = ENTITIES[type_name]
    return [
        c.name
        for c in model.__table__.columns  # type: ignore[attr-defined]
        if column_meta(model, c.name).sensitive
    ]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_no_order_input_offers_a_sensitive_column():
    """Given every record type, when a frontend looks at its orderBy input, then no ID
    number, phone or family category is among the keys it may order by."""
    schema = build_schema()
    for type_name in ENTITIES:
        order = schema._schema.type_map[f"{type_name}Order"]
        offered = set(order.fields)  # type: ignore[attr-defined]
        for column in _sensitive(type_name):
            assert _camel(column) not in offered, f"{type_name} orders by {column}"


async def test_ordering_by_an_id_number_is_refused_and_no_cursor_carries_one(database: Database):
    """Given students and enrolments with ID numbers and phones, when a superadmin (who reads
    them in clear) asks to order by the ID number, then it is refused; and when it pages
    through them by every key it may order by, then no cursor holds a personal value."""
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        students = [
            await factories.student(s, city, f"学生{n}", phone=f"1380013800{n}") for n in range(3)
        ]
        course = await factories.course(s, city, "父母课堂")
        await factories.enrolment(s, course, city, "学员甲")
    personal = {str(getattr(st, c)) for st in students for c in _sensitive("ScholarshipStudent")}
    personal |= {"13900139000"}  # the enrolment's phone
    schema = build_schema()
    planned_paths = (False, True) if database.dialect == "postgresql" else (False,)
    refused = await schema.execute(
        "{ scholarshipStudents(orderBy: [{ idNumber: ASC }]) { totalCount } }",
        context_value=Context(database, database.settings, dataclasses.replace(SYSTEM)),
    )
    assert refused.errors, "ordering by an ID number must be refused"
    for type_name, plural in (
        ("ScholarshipStudent", "scholarshipStudents"),
        ("Enrolment", "enrolments"),
    ):
        keys = list(schema._schema.type_map[f"{type_name}Order"].fields)  # type: ignore[attr-defined]
        for key in keys:
            for direction in ("ASC", "DESC"):
                for planned in planned_paths:
                    context = Context(database, database.settings, dataclasses.replace(SYSTEM))
                    context.planning_enabled = planned
                    try:
                        result = await schema.execute(
                            f"{{ {plural}(orderBy: [{{ {key}: {direction} }}], first: 2) "
                            "{ edges { cursor } pageInfo { startCursor endCursor } } }",
                            context_value=context,
                        )
                    finally:
                        await context.close()
                    assert result.errors is None, result.errors
                    assert result.data is not None
                    connection = result.data[plural]
                    cursors = [e["cursor"] for e in connection["edges"]]
                    cursors += [c for c in connection["pageInfo"].values() if c]
                    for cursor in cursors:
                        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
                        assert not any(value in text for value in personal), (type_name, key)
