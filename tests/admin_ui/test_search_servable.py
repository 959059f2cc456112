"""A search in a list of people is one an index can serve: names (grams), pinyin, exact IDs."""

from __future__ import annotations

from datetime import date

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


def test_a_full_id_number_is_still_looked_up_exactly() -> None:
    number = make_national_id("350206", date(2002, 1, 1), 123, "female")
    assert text_match(ADMIN, ScholarshipStudent, number).looked_up == ["id_number"]
    assert not columns_searched(ScholarshipStudent, number) & {"university", "major"}


def test_enrolments_search_names_only_and_organisations_keep_their_official_names() -> None:
    assert not columns_searched(Enrolment, "测试") & {"certificate_number"}
    # thousands of organisations, not millions: their official name and code stay searchable
    assert {"name", "official_name", "code"} <= columns_searched(Organisation, "高林")


def test_an_empty_search_matches_everything() -> None:
    assert text_match(ADMIN, ScholarshipStudent, "  ").where is None
