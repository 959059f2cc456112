"""A search in a list of people is one an index can serve: names (grams), pinyin, exact IDs."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from admin_ui.search import text_match
from hongfan.principal import Principal, Role
from models import Enrolment, Organisation, ScholarshipStudent
from models.validators import make_national_id

ADMIN = Principal(kind="user", actor="t", role=Role.SUPERADMIN)


def columns_searched(model: type, text: str) -> set[str]:
    where = text_match(ADMIN, model, text).where
    assert where is not None
    sql = str(where.compile(dialect=postgresql.dialect()))
    table = model.__table__  # type: ignore[attr-defined]
    return {c.name for c in table.columns if f"{table.name}.{c.name}" in sql}


def test_a_student_search_by_name_reads_only_indexed_columns() -> None:
    """Given 1M students, when an admin searches 华, then the condition is the name's grams
    (and pinyin) only: never OR-ed with a LIKE on university or major, which no index serves."""
    searched = columns_searched(ScholarshipStudent, "华")
    assert "name" in searched
    assert not searched & {"university", "major", "family_category"}
    assert "hongfan_grams" in str(
        text_match(ADMIN, ScholarshipStudent, "华").where.compile(dialect=postgresql.dialect())  # type: ignore[union-attr]
    )


async def test_a_full_id_number_is_still_looked_up_exactly(demo: Any) -> None:
    # the demo database loads the keyring the ID numbers' blind index is keyed with
    number = make_national_id("350206", date(2002, 1, 1), 123, "female")
    assert text_match(ADMIN, ScholarshipStudent, number).looked_up == ["id_number"]
    assert not columns_searched(ScholarshipStudent, number) & {"university", "major"}


def test_enrolments_search_names_only_and_organisations_keep_their_official_names() -> None:
    assert not columns_searched(Enrolment, "测试") & {"certificate_number"}
    # thousands of organisations, not millions: their official name and code stay searchable
    assert {"name", "official_name", "code"} <= columns_searched(Organisation, "高林")


def test_an_empty_search_matches_everything() -> None:
    assert text_match(ADMIN, ScholarshipStudent, "  ").where is None


def test_a_district_admins_search_for_a_common_character_reads_only_its_districts_matches() -> None:
    """Given 1M students where 华 is in 2 % of the names (a "frequent" term, which GraphQL
    lists walk in name order), when the 湖里区 org admin searches 华 in the admin list on
    PostgreSQL, then the page (and its count) keep the grams index and bound the students'
    organisation to the district's id span: an index range PostgreSQL ANDs with the matches
    before reading a row. A walk took 1 s there (the planner probed each of the district's
    organisations' students); the gram matches alone are read city-wide (22,594 for 3,829)."""
    from types import SimpleNamespace

    from admin_ui.listquery import build_list_query
    from admin_ui.registry import BY_SLUG
    from models import search

    admin = Principal(
        kind="user", actor="t", role=Role.ORG_ADMIN, organisation_id=2, organisation_path="/1/2/"
    )
    grams = [("ix_scholarship_student_name_grams", ["华"], [0.023, 0.0, 1.0, 0.0], 1e6)]
    search.remember_gram_shares(grams)
    try:
        assert search.frequent_term(ScholarshipStudent.__table__.c.name, "华")  # type: ignore[attr-defined]

        def where_sql(dialect: str) -> str:
            page: Any = SimpleNamespace(principal=admin, db=SimpleNamespace(dialect=dialect))
            query = build_list_query(page, BY_SLUG["scholarship-students"], {"q": "华"})
            where = sa.and_(*query.where)
            return str(where.compile(dialect=postgresql.dialect()))

        on_postgresql = where_sql("postgresql")
        assert "hongfan_grams" in on_postgresql
        assert (
            "scholarship_student.organisation_id >= (SELECT min(organisation.id)" in on_postgresql
        )
        assert "scholarship_student.organisation_id <=" in where_sql("postgresql")
        assert "organisation_id >=" not in where_sql("sqlite")  # its planner would walk it
    finally:
        search.forget_gram_shares()


async def test_a_search_with_a_nul_or_another_control_character_finds_what_the_plain_term_finds(
    client: Any, demo: Any
) -> None:
    """Given the admin list and pickers, when a search term carries a NUL (or a tab, or
    another control character pasted along), then the page answers as for the term without
    it — never a 500 (a NUL broke SQLite's name-index query and PostgreSQL's text)."""
    await client.login("admin@demo.hongfan")
    plain = await client.post("/admin/scholarship-students", {"q": "王演示一"})
    for term in ["王演示一\x00", "\x00", "王演\x01示一", "王演示一\t"]:
        answer = await client.post("/admin/scholarship-students", {"q": term})
        assert answer.status_code == 200, term
        if term != "\x00":
            assert answer.text.count("/admin/scholarship-students/") == plain.text.count(
                "/admin/scholarship-students/"
            ), term
    picked = await client.post("/admin/organisations/options", {"q": "湖里\x00"})
    assert picked.status_code == 200
