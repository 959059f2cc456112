"""Values at the edge get a field error, the same on every surface — never an internal error,
never stored silently (#9.4): control, zero-width and text-direction characters; numbers that
do not fit; global IDs and cursors that are not exactly canonical."""

from __future__ import annotations

import base64
import dataclasses
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from graph.context import Context
from graph.schema import build_schema
from hongfan import accounts, crud
from hongfan.accounts import AUTH
from hongfan.db import Database
from hongfan.errors import Invalid
from hongfan.pagination import Direction, SortKey, encode_cursor
from hongfan.principal import SYSTEM, Role
from hongfan.transfer.importing import preview_import
from hongfan.transfer.sheets import Table
from models.organisations import Organisation
from models.scholarships import ScholarshipStudent
from tests import factories
from tests.hostile.conftest import Served

BAD_TEXT = {
    "a\x00b": "value.control_char",
    "林\x07示例": "value.control_char",
    "林\x7f示例": "value.control_char",
    "\u202e例示林": "value.direction_char",
    "林\u200f示例": "value.direction_char",
    "林\u2066示例\u2069": "value.direction_char",
}
CREATE_ORG = """mutation($input: CreateOrganisationInput!) {
    createOrganisation(input: $input) { organisation { id name } errors { field code message } } }"""
CREATE_GRANT = """mutation($input: CreateGrantInput!) {
    createGrant(input: $input) { grant { id amount } errors { field code message } } }"""


async def _run(
    database: Database, query: str, variables: dict[str, Any] | None = None, lang: str = "zh"
) -> Any:
    context = Context(database, database.settings, dataclasses.replace(SYSTEM, language=lang))
    try:
        return await build_schema().execute(query, variable_values=variables, context_value=context)
    finally:
        await context.close()


def _gid(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


async def test_control_and_direction_characters_in_names_are_field_errors_on_every_surface(
    database: Database,
):
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
    for text, code in BAD_TEXT.items():
        # GraphQL
        result = await _run(
            database,
            CREATE_ORG,
            {"input": {"name": text, "parentId": _gid("Organisation", str(city.id))}},
        )
        assert result.errors is None, result.errors
        payload = result.data["createOrganisation"]
        assert payload["organisation"] is None
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("name", code)]
        # the write path behind the admin forms and the imports
        with pytest.raises(Invalid) as caught:
            async with database.transaction(SYSTEM) as session:
                await crud.create(session, Organisation, {"name": text, "parent_id": city.id})
        assert [(e.field, e.code) for e in caught.value.errors] == [("name", code)]
    # a spreadsheet import: the same codes, row by row
    table = Table(
        headers=["名称", "上级组织"],
        rows=[[f"{i}号{text}", "厦门市"] for i, text in enumerate(BAD_TEXT)],
        row_numbers=list(range(2, 2 + len(BAD_TEXT))),
    )
    preview = await preview_import(database, SYSTEM, "Organisation", table)
    assert [error.code for _row, error in preview.errors] == list(BAD_TEXT.values())
    # and nothing was stored; ordinary line breaks in free text still are
    names = (await _run(database, "{ organisations { edges { node { name } } } }")).data
    assert [e["node"]["name"] for e in names["organisations"]["edges"]] == ["厦门市"]
    fine = await _run(
        database,
        CREATE_ORG,
        {
            "input": {
                "name": "高林社区",
                "address": "一行\n二行\t三",
                "parentId": _gid("Organisation", str(city.id)),
            }
        },
    )
    assert fine.data["createOrganisation"]["errors"] == []
    # account display names follow the same rule
    for text, code in BAD_TEXT.items():
        with pytest.raises(Invalid) as caught:
            async with database.transaction(AUTH) as session:
                await accounts.create_user(
                    session,
                    SYSTEM,
                    "x@example.cn",
                    Role.VIEWER,
                    password="correct horse battery",
                    display_name=text,
                    organisation_id=city.id,
                )
        assert [(e.field, e.code) for e in caught.value.errors] == [("display_name", code)]
    # zero-width characters (pasted from a web page) are removed, as the import always did
    pasted = await _run(
        database,
        CREATE_ORG,
        {
            "input": {
                "name": "\ufeff殿\u200b前\u200d街道\u2060",
                "parentId": _gid("Organisation", str(city.id)),
            }
        },
    )
    assert pasted.data["createOrganisation"]["organisation"]["name"] == "殿前街道"


async def test_numbers_that_do_not_fit_are_field_errors(database: Database):
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        student = await factories.student(session, city)
    student_id = _gid("ScholarshipStudent", str(student.id))
    for amount in ("1e309", "NaN", "Infinity", "-Infinity", "1e12"):
        result = await _run(
            database,
            CREATE_GRANT,
            {"input": {"studentId": student_id, "year": 2022, "amount": amount}},
        )
        assert result.errors is None, (amount, result.errors)
        codes = [(e["field"], e["code"]) for e in result.data["createGrant"]["errors"]]
        assert codes and codes[0][0] == "amount", (amount, codes)
    # a JSON number too large for a float arrives as infinity
    result = await _run(
        database,
        CREATE_GRANT,
        {"input": {"studentId": student_id, "year": 2022, "amount": float("inf")}},
    )
    assert result.errors is None or all("内部错误" not in e.message for e in result.errors)
    for year in (99999, -1, 2**31 - 1):
        result = await _run(
            database,
            CREATE_GRANT,
            {"input": {"studentId": student_id, "year": year, "amount": "100"}},
        )
        assert [e["field"] for e in result.data["createGrant"]["errors"]] == ["year"], year
    # an integer past GraphQL's Int is refused by GraphQL itself, clearly
    result = await _run(
        database, CREATE_GRANT, {"input": {"studentId": student_id, "year": 2**31, "amount": "100"}}
    )
    assert result.errors and "整数超出范围" in result.errors[0].message
    # integers past the column's range on the write path behind forms and imports
    for capacity in (2**40, -(2**31) - 1):
        with pytest.raises(Invalid) as caught:
            async with database.transaction(SYSTEM) as session:
                await factories.course(session, city, capacity=capacity)
        assert [(e.field, e.code) for e in caught.value.errors] == [
            ("capacity", "value.out_of_range")
        ]
    assert (await _run(database, "{ grants { totalCount } }")).data == {"grants": {"totalCount": 0}}


def test_full_width_digits_in_an_id_number_are_read_as_digits():
    from models.rules import check_column

    value, problem = check_column(
        ScholarshipStudent, "id_number", "１１０１０５１９４９１２３１００２ｘ"
    )
    assert problem is None and value == "11010519491231002X"


NOT_CANONICAL = [
    " 6",
    "6 ",
    "+6",
    "06",
    "６",
    "6_0",
    "6.0",
    "-6",
    "0",
    "2147483648",
    "99999999999999999999999",
]


@pytest.mark.asyncio(loop_scope="module")
async def test_global_ids_that_are_not_canonical_name_no_record(served: Served):
    first = (
        await served.graphql({"query": "{ organisations(first: 1) { edges { node { id } } } }"})
    ).json()
    real = (
        base64.b64decode(first["data"]["organisations"]["edges"][0]["node"]["id"])
        .decode()
        .split(":")[1]
    )
    for node_id in [*NOT_CANONICAL, f" {real}", f"+{real}", f"0{real}"]:
        gid = _gid("Organisation", node_id)
        found = (
            await served.graphql(
                {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": gid}}
            )
        ).json()
        assert found == {"data": {"node": None}}, (node_id, found)
        filtered = (
            await served.graphql(
                {
                    "query": "query($id: ID!) { organisations(filter: {id: {eq: $id}}) { totalCount } }",
                    "variables": {"id": gid},
                }
            )
        ).json()
        assert filtered["errors"][0]["extensions"]["code"] == "BAD_ID", (node_id, filtered)
    await served.still_serving()


def _filterable(kind: type) -> list[tuple[str, str]]:
    """(list field, filter field) of every column of column type ``kind``, over all record types."""
    from graph.types import field_name
    from models import ENTITIES

    schema = build_schema()
    found = []
    for type_name, model in ENTITIES.items():
        filter_type = schema._schema.type_map[f"{type_name}Filter"]
        for column in model.__table__.c:  # type: ignore[attr-defined]
            if isinstance(column.type, kind) and field_name(column.name) in filter_type.fields:  # type: ignore[attr-defined]
                found.append((model.__entity__.plural, field_name(column.name)))
    return found


async def test_amounts_in_a_filter_that_fit_no_column_are_field_errors(database: Database):
    """Given any money column, when a filter compares it with 1e309 (or NaN), then the caller gets
    BAD_VALUE on that field, as for a stored amount — not an internal error."""
    from models.coltypes import Money

    columns = _filterable(Money)
    assert ("grants", "amount") in columns
    for plural, field in columns:
        for operand in (
            'gt: "1e309"',
            'lt: "-1e309"',
            'eq: "1e999999999"',
            'gte: "1e16"',
            'in: ["1", "1e309"]',
            'notIn: ["NaN"]',
        ):
            result = await _run(
                database, f"{{ {plural}(filter: {{ {field}: {{ {operand} }} }}) {{ totalCount }} }}"
            )
            assert result.errors and [e.extensions["code"] for e in result.errors] == [
                "BAD_VALUE"
            ], (plural, field, operand, result.errors)
            assert "内部错误" not in result.errors[0].message
        fine = await _run(
            database,
            f'{{ {plural}(filter: {{ {field}: {{ lt: "9999999999999999" }} }}) {{ totalCount }} }}',
        )
        assert fine.errors is None, (plural, fine.errors)


async def test_dates_at_the_ends_of_the_calendar_in_a_filter_are_answered(database: Database):
    """Given any date or timestamp column, when a filter compares it with the first or last day
    there is (in any time zone), then the caller gets an answer or a field error, never an internal one."""
    import datetime as dt

    import sqlalchemy as sa

    columns = _filterable(sa.Date) + _filterable(sa.DateTime)
    assert columns
    for plural, field in columns:
        for operand in (
            '"0001-01-01"',
            '"9999-12-31"',
            '"0001-01-01T00:00:00+14:00"',
            '"9999-12-31T23:59:59-14:00"',
        ):
            result = await _run(
                database,
                f"{{ {plural}(filter: {{ {field}: {{ gt: {operand} }} }}) {{ totalCount }} }}",
            )
            for error in result.errors or ():
                assert (
                    "内部错误" not in error.message
                    and (error.extensions or {}).get("code") != "INTERNAL_SERVER_ERROR"
                ), (plural, field, operand, result.errors)
    assert dt.date.max.year == 9999


@pytest.mark.asyncio(loop_scope="module")
async def test_global_ids_that_do_not_parse_are_bad_ids_and_other_spellings_name_no_record(
    served: Served,
):
    first = (
        await served.graphql({"query": "{ organisations(first: 1) { edges { node { id } } } }"})
    ).json()
    real = first["data"]["organisations"]["edges"][0]["node"]["id"]
    assert (
        await served.graphql(
            {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": real}}
        )
    ).json()["data"]["node"] == {"id": real}
    unpadded = real.rstrip("=")
    for spelling in [
        "xx",
        real + "=",
        real + "==",
        real + "\n",
        " " + real,
        unpadded + "===" if unpadded != real else real + "===",
        real.lower(),
    ]:
        for query in (
            "query($id: ID!) { organisations(filter: {id: {eq: $id}}) { totalCount } }",
            "query($id: ID!) { organisations(filter: {parentId: {eq: $id}}) { totalCount } }",
        ):
            body = (await served.graphql({"query": query, "variables": {"id": spelling}})).json()
            assert body.get("errors") and body["errors"][0]["extensions"]["code"] == "BAD_ID", (
                spelling,
                body,
            )
            assert body.get("data") in (None, {"organisations": None}) or "totalCount" not in str(
                body["data"]
            ), body
        found = (
            await served.graphql(
                {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": spelling}}
            )
        ).json()
        assert not (found.get("data") or {}).get("node"), (spelling, found)
    literal = (
        await served.graphql(
            {"query": '{ organisations(filter: {parentId: {eq: "xx"}}) { totalCount } }'}
        )
    ).json()
    assert literal["errors"][0]["extensions"]["code"] == "BAD_ID", literal
    await served.still_serving()


@pytest.mark.asyncio(loop_scope="module")
async def test_cursors_that_are_not_ours_are_bad_cursors(served: Served):
    keys = [SortKey("id", Direction.ASC)]
    forged = [
        encode_cursor(SimpleNamespace(id=value), keys)
        for value in (10**23, 2**31, -(2**31) - 1, True, "6", 6.5, None)
    ]
    garbage = [
        " 6",
        "６",
        "+6",
        "x" * 5000,
        base64.urlsafe_b64encode(b"[" * 200_000).decode(),
        base64.urlsafe_b64encode(b'{"s": 1, "v": [1e999]}').decode(),
    ]
    query = "query($after: String) { organisations(first: 1, after: $after) { totalCount } }"
    for cursor in forged + garbage:  # null: no row has a blank id, so no cursor we made says so
        body = (await served.graphql({"query": query, "variables": {"after": cursor}})).json()
        assert body.get("errors") and body["errors"][0]["extensions"]["code"] == "BAD_CURSOR", (
            cursor[:40],
            body,
        )
    await served.still_serving()


async def test_admin_pages_answer_odd_ids_with_404_or_nothing_selected(database: Database):
    from hongfan.app import create_app
    from tests.admin_ui.conftest import csrf_of
    from tests.test_accounts import make_user

    await make_user(database, "root@example.cn", Role.SUPERADMIN)
    async with database.transaction(SYSTEM) as session:
        await factories.organisation(session, "厦门市")
    app = create_app(database.settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        signed = await http.post(
            "/admin/login", data={"email": "root@example.cn", "password": "correct horse battery"}
        )
        assert signed.status_code == 303
        # a record id past the column's range names no record: 404, not a database error
        for path in ("/admin/organisations/99999999999", "/admin/organisations/2147483648/history"):
            assert (await http.get(path)).status_code == 404, path
        # ticked ids and versions that only look like digits select nothing
        page = await http.get("/admin/organisations")
        csrf = csrf_of(page.text)
        for ids in ("²", "６", "99999999999999"):
            answer = await http.post(
                "/admin/organisations/bulk",
                data={"csrf_token": csrf, "ids": ids, "action": "delete"},
            )
            assert answer.status_code < 500, (ids, answer.status_code)
        history = await http.get("/admin/organisations/1/history?before=²")
        assert history.status_code < 500


@pytest.mark.asyncio(loop_scope="module")
async def test_an_empty_selection_is_a_syntax_error_not_an_internal_one(served: Served):
    for query in (
        "{}",
        "{ }",
        "{ organisations {} }",
        "query { organisations { edges { node {} } } }",
    ):
        body = (await served.graphql({"query": query})).json()
        assert (
            body.get("errors") and body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        ), (query, body)
        assert "max()" not in str(body)
    await served.still_serving()
