"""A GraphQL request that does not parse or validate is answered with what is wrong and
where, in the caller's language, and never with what the caller sent (a tester's finding
after #9 and #14: graphql-core's English messages echoed the tokens — an ID number written
as a bare number, a phone number spelled as a field name — in clear).

Each document or variable below carries a real-looking ID number or mobile number in one
position: a literal, a variable's value, an unknown field, argument, input field, enum value
or type, an alias, a fragment, an operation or variable name."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from tests.hostile.conftest import Served

ID = "350203199001011234"
PHONE = "13900000001"
FULL_WIDTH_ID = "３５０２０３１９９００１０１１２３４"
SPACED_PHONE = "139 0000 0001"
CJK = re.compile(r"[\u4e00-\u9fff]")

FILTER = "query Q($f: OrganisationFilter) { organisations(filter: $f) { totalCount } }"
FIRST = "query Q($n: Int) { organisations(first: $n) { totalCount } }"

# (what the caller did, document, variables, the code the docs promise)
CASES: list[tuple[str, str, dict[str, Any] | None, str]] = [
    # the document does not parse
    (
        "a bare number where a field goes",
        f"{{ organisations {{ totalCount }} {ID} }}",
        None,
        "GRAPHQL_PARSE_FAILED",
    ),
    (
        "an unterminated string",
        f'{{ organisations(filter: {{name: {{eq: "{PHONE}',
        None,
        "GRAPHQL_PARSE_FAILED",
    ),
    (
        "single quotes",
        f"{{ organisations(filter: {{name: {{eq: '{ID}'}}}}) {{ totalCount }} }}",
        None,
        "GRAPHQL_PARSE_FAILED",
    ),
    (
        "a bad escape",
        f'{{ organisations(filter: {{name: {{eq: "\\q{ID}"}}}}) {{ totalCount }} }}',
        None,
        "GRAPHQL_PARSE_FAILED",
    ),
    (
        "a number glued to a name",
        f"{{ organisations(first: {PHONE}x) {{ totalCount }} }}",
        None,
        "GRAPHQL_PARSE_FAILED",
    ),
    # literals of the wrong type
    (
        "an ID number as a bare number",
        f"{{ organisations(filter: {{name: {{eq: {ID}}}}}) {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a phone as a string where a number goes",
        f'{{ organisations(first: "{PHONE}") {{ totalCount }} }}',
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a spaced phone as a string where a number goes",
        f'{{ organisations(first: "{SPACED_PHONE}") {{ totalCount }} }}',
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a full-width ID as a string where a number goes",
        f'{{ organisations(first: "{FULL_WIDTH_ID}") {{ totalCount }} }}',
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a phone as an out-of-range number",
        f"{{ organisations(first: {PHONE}) {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a phone as an enum value",
        f"{{ organisations(filter: {{kind: {{eq: X{PHONE}}}}}) {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "an ID number as a date",
        f'{{ organisations(filter: {{createdAt: {{eq: "{ID}"}}}}) {{ totalCount }} }}',
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # names the schema does not have
    (
        "an unknown field",
        f"{{ organisations {{ edges {{ node {{ a{ID} }} }} }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    ("an unknown top-level field", f"{{ _{PHONE} }}", None, "GRAPHQL_VALIDATION_FAILED"),
    (
        "an unknown argument",
        f"{{ organisations(p{PHONE}: 1) {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "an unknown input field",
        f'{{ organisations(filter: {{p{PHONE}: {{eq: "x"}}}}) {{ totalCount }} }}',
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "an unknown directive",
        f"{{ organisations @x{PHONE} {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # names the caller declares
    (
        "an alias in conflict",
        f"{{ a{PHONE}: organisations {{ totalCount }} a{PHONE}: serviceSites {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    ("an undefined fragment", f"{{ ...F{ID} }}", None, "GRAPHQL_VALIDATION_FAILED"),
    (
        "an unused fragment",
        f"{{ organisations {{ totalCount }} }} fragment F{PHONE} on Query {{ organisations {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a fragment on an unknown type",
        f"{{ ...F }} fragment F on T{ID} {{ x }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a literal inside a fragment",
        f"{{ ...F }} fragment F on Query {{ organisations(filter: {{name: {{eq: {ID}}}}}) {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "an unused variable named like a phone",
        f"query Q{PHONE}($v{PHONE}: Int) {{ organisations {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "an undefined variable named like an ID",
        f"query {{ organisations(first: $v{ID}) {{ totalCount }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    # variables' values
    (
        "an ID number as a number in a variable",
        FILTER,
        {"f": {"name": {"eq": int(ID)}}},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a phone as an unknown key in a variable",
        FILTER,
        {"f": {f"x{PHONE}": 1}},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a phone as an enum value in a variable",
        FILTER,
        {"f": {"kind": {"eq": f"X{PHONE}"}}},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a phone where an object goes in a variable",
        FILTER,
        {"f": PHONE},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a phone as a string for a number variable",
        FIRST,
        {"n": SPACED_PHONE},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "a phone as an out-of-range number variable",
        FIRST,
        {"n": int(PHONE)},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "an ID number as a date-time variable",
        "query Q($d: DateTime) { organisations(filter: {createdAt: {eq: $d}}) { totalCount } }",
        {"d": FULL_WIDTH_ID},
        "GRAPHQL_VALIDATION_FAILED",
    ),
]


def _digits(text: str) -> str:
    return "".join(
        ch
        for ch in text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if ch.isdigit()
    )


def _never_echoed(text: str) -> None:
    digits = _digits(text)
    for number in (ID, PHONE):
        assert number[:7] not in digits and number[-7:] not in digits, text


@pytest.mark.parametrize(
    ("what", "document", "variables", "code"), CASES, ids=[c[0] for c in CASES]
)
async def test_given_a_personal_number_anywhere_in_a_bad_request_then_the_error_says_what_is_wrong_in_chinese_without_it(
    served: Served,
    caplog: pytest.LogCaptureFixture,
    what: str,
    document: str,
    variables: dict[str, Any] | None,
    code: str,
):
    caplog.set_level(logging.INFO)
    body: dict[str, Any] = {"query": document}
    if variables is not None:
        body["variables"] = variables
    response = await served.graphql(body, headers={"Accept": "application/graphql-response+json"})

    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert errors and all(e["extensions"]["code"] == code for e in errors), errors
    for error in errors:
        assert CJK.search(error["message"]), error  # Chinese by default
        _never_echoed(error["message"])
    _never_echoed(response.text)
    _never_echoed("\n".join(record.getMessage() for record in caplog.records))


@pytest.mark.parametrize(
    ("what", "document", "variables", "code"), CASES, ids=[c[0] for c in CASES]
)
async def test_given_a_caller_who_asks_for_english_then_the_same_errors_are_in_english_without_the_number(
    served: Served, what: str, document: str, variables: dict[str, Any] | None, code: str
):
    body: dict[str, Any] = {"query": document}
    if variables is not None:
        body["variables"] = variables
    response = await served.graphql(body, headers={"Accept-Language": "en"})

    assert response.status_code == 200, response.text  # application/json: the legacy rule
    errors = response.json()["errors"]
    assert errors and all(e["extensions"]["code"] == code for e in errors), errors
    for error in errors:
        assert not CJK.search(error["message"]), error
    _never_echoed(response.text)


async def test_given_a_typo_in_a_field_then_the_message_names_the_type_the_place_and_the_fields_meant(
    served: Served,
):
    """The schema's own names are worth telling: the type, and (introspection on, as in the
    tests' development settings) what the caller may have meant; the typo itself is not
    repeated, its line and column are given."""
    zh = await served.graphql({"query": "{ organisations { edges { node { nme } } } }"})
    en = await served.graphql(
        {"query": "{ organisations { edges { node { nme } } } }"},
        headers={"Accept-Language": "en"},
    )
    assert (
        zh.json()["errors"][0]["message"]
        == "类型 Organisation 没有这个字段（第 1 行第 34 列）；你是不是要找：name？"
    )
    assert en.json()["errors"][0]["message"] == (
        "Type Organisation has no such field (line 1, column 34); did you mean name?"
    )
    assert zh.json()["errors"][0]["locations"] == [{"line": 1, "column": 34}]
    typo = await served.graphql(
        {"query": '{ organisations(filter: {nmae: {eq: "x"}}) { totalCount } }'}
    )
    assert typo.json()["errors"][0]["message"] == (
        "参数值不符合要求（第 1 行第 26 列）：输入类型 OrganisationFilter 没有这个字段；你是不是要找：name？"
    )


async def test_given_a_variable_of_the_wrong_type_then_the_message_names_the_variable_and_the_field(
    served: Served,
):
    response = await served.graphql(
        {"query": FILTER, "variables": {"f": {"name": {"eq": int(ID)}}}}
    )
    assert (
        response.json()["errors"][0]["message"]
        == "变量 $f 中 name.eq 的值不符合要求：应为带引号的字符串"
    )


async def test_given_a_number_where_true_or_false_is_expected_then_the_chinese_message_sets_the_words_off(
    served: Served,
):
    response = await served.graphql({"query": FILTER, "variables": {"f": {"name": {"isNull": 1}}}})
    assert (
        response.json()["errors"][0]["message"]
        == "变量 $f 中 name.isNull 的值不符合要求：应为 true 或 false"
    )
