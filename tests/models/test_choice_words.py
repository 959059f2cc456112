"""Choices as office sheets write them: the short form of a long label is that choice."""

from __future__ import annotations

import pytest

from models import ScholarshipStudent
from models.rules import Invalid, coerce
from models.scholarships import FamilyCategory


@pytest.mark.parametrize(
    "written", ["建档立卡贫困家庭", "建档立卡", " 建档立卡 ", "registered_poor"]
)
def test_given_a_sheet_that_shortens_the_family_category_when_read_then_it_is_that_category(
    written: str,
):
    assert coerce(ScholarshipStudent, "family_category", written) is FamilyCategory.REGISTERED_POOR


@pytest.mark.parametrize("written", ["建", "家庭", "贫困"])
def test_given_a_word_that_names_no_single_category_when_read_then_it_is_refused_with_the_choices(
    written: str,
):
    with pytest.raises(Invalid) as refused:
        coerce(ScholarshipStudent, "family_category", written)
    assert refused.value.code == "invalid_choice"
