"""Tests for Chinese identifier validation, masking and the message catalogue."""

from datetime import date

import pytest

from models.messages import MESSAGES, message, negotiate_language
from models.validators import (
    check_credit_code,
    check_mobile,
    check_national_id,
    make_credit_code,
    make_national_id,
    mask_national_id,
    mask_phone,
    mask_text,
    national_id_birth_date,
    national_id_gender,
    normalise_mobile,
    normalise_national_id,
)

# Widely published sample ID number (Beijing Chaoyang, born 1949-12-31, female).
PUBLIC_SAMPLE_ID = "11010519491231002X"


def _replace_char(value: str, index: int, alphabet: str) -> str:
    """Return ``value`` with the character at ``index`` swapped for another from ``alphabet``."""
    replacement = next(ch for ch in alphabet if ch != value[index])
    return value[:index] + replacement + value[index + 1 :]


# --- Resident ID numbers ------------------------------------------------------


def test_public_sample_id_is_valid() -> None:
    assert check_national_id(PUBLIC_SAMPLE_ID) is None
    assert national_id_birth_date(PUBLIC_SAMPLE_ID) == date(1949, 12, 31)
    assert national_id_gender(PUBLIC_SAMPLE_ID) == "female"


def test_lowercase_x_is_accepted_and_normalised() -> None:
    lower = PUBLIC_SAMPLE_ID.lower()
    assert check_national_id(lower) is None
    assert normalise_national_id(f"  {lower[:6]} {lower[6:]} ") == PUBLIC_SAMPLE_ID


@pytest.mark.parametrize(
    ("region", "birth", "sequence", "gender"),
    [
        ("350203", date(1988, 2, 29), 12, "female"),
        ("350203", date(1990, 1, 1), 123, "male"),
        ("440305", date(2001, 7, 15), 0, "male"),
        ("110105", date(1900, 1, 1), 999, "female"),
        ("310115", date(1975, 12, 31), 999, "male"),
    ],
)
def test_generated_ids_are_valid_and_round_trip(
    region: str, birth: date, sequence: int, gender: str
) -> None:
    value = make_national_id(region, birth, sequence, gender)
    assert len(value) == 18
    assert value.startswith(region)
    assert check_national_id(value) is None
    assert national_id_birth_date(value) == birth
    assert national_id_gender(value) == gender


def test_generated_ids_cover_every_check_character() -> None:
    # Exercises the whole MOD 11-2 map, including the "X" check character.
    check_chars = {
        make_national_id("350203", date(1990, 1, 1), seq, "male")[-1] for seq in range(1, 200, 2)
    }
    assert check_chars == set("0123456789X")


def test_changed_check_digit_fails() -> None:
    assert check_national_id(PUBLIC_SAMPLE_ID[:17] + "1") == "id_number.check_digit"
    valid = make_national_id("350203", date(1990, 5, 17), 42, "female")
    for wrong in "0123456789X":
        if wrong != valid[-1]:
            assert check_national_id(valid[:17] + wrong) == "id_number.check_digit"


def test_changed_body_digit_fails_check_digit() -> None:
    # A typo in the sequence (not the date) must be caught by the check digit.
    assert check_national_id(_replace_char(PUBLIC_SAMPLE_ID, 15, "0123456789")) == (
        "id_number.check_digit"
    )


@pytest.mark.parametrize(
    "value", ["", "1101051949123100", "11010519491231002X0", "110105491231002"]
)
def test_wrong_length_fails(value: str) -> None:
    assert check_national_id(value) == "id_number.length"


@pytest.mark.parametrize(
    "value",
    [
        "1101051949123100A2",  # letter inside the body
        "11010519491231002Y",  # check character neither digit nor X
        "X10105194912310021",
        "１10105194912310021",  # full-width digit
        " 1010519491231002X",
    ],
)
def test_bad_characters_fail_format(value: str) -> None:
    assert check_national_id(value) == "id_number.format"


def test_february_30_fails_birth_date() -> None:
    body = "35020319900230012"  # 1990-02-30 does not exist
    assert check_national_id(body + "0") == "id_number.birth_date"


def test_february_29_only_in_leap_years() -> None:
    assert check_national_id(make_national_id("350203", date(2000, 2, 29), 10, "female")) is None
    assert check_national_id("35020319000229012" + "0") == "id_number.birth_date"


def test_future_birth_date_fails() -> None:
    today = date(2024, 6, 1)
    born_today = make_national_id("350203", date(2024, 6, 1), 11, "male")
    assert check_national_id(born_today, today=today) is None
    # Same number but checked on the day before: birth would be in the future.
    assert check_national_id(born_today, today=date(2024, 5, 31)) == "id_number.birth_date"
    assert check_national_id("35020399991231011" + "0") == "id_number.birth_date"


def test_birth_before_1900_fails() -> None:
    assert check_national_id("35020318991231011" + "0") == "id_number.birth_date"
    with pytest.raises(ValueError):
        make_national_id("350203", date(1899, 12, 31), 11, "male")


def test_checks_run_in_documented_order() -> None:
    # Bad date *and* bad check digit: the date error is reported first.
    assert check_national_id("35020319901301011" + "9") == "id_number.birth_date"


def test_make_national_id_adjusts_sequence_parity_to_gender() -> None:
    assert make_national_id("350203", date(1990, 1, 1), 10, "male")[14:17] == "011"
    assert make_national_id("350203", date(1990, 1, 1), 11, "female")[14:17] == "012"
    assert make_national_id("350203", date(1990, 1, 1), 999, "female")[14:17] == "998"


@pytest.mark.parametrize(
    ("region", "sequence", "gender"),
    [("35020", 1, "male"), ("35020A", 1, "male"), ("350203", 1000, "male"), ("350203", 1, "x")],
)
def test_make_national_id_rejects_bad_arguments(region: str, sequence: int, gender: str) -> None:
    with pytest.raises(ValueError):
        make_national_id(region, date(1990, 1, 1), sequence, gender)


# --- Mobile numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "0086 13812345678",
        "8613812345678",
        "199-1234-5678",
    ],
)
def test_valid_mobiles_pass_and_normalise(value: str) -> None:
    assert check_mobile(value) is None
    assert len(normalise_mobile(value)) == 11
    assert normalise_mobile(value).startswith("1")


def test_normalise_mobile_returns_bare_digits() -> None:
    assert normalise_mobile("+86 138-1234-5678") == "13812345678"


@pytest.mark.parametrize(
    "value",
    [
        "12345678901",  # second digit must be 3-9
        "23812345678",  # must start with 1
        "1381234567",  # too short
        "138123456789",  # too long
        "+8612345678901",
        "0592-1234567",  # landline
        "1381234567a",
        "",
    ],
)
def test_invalid_mobiles_fail(value: str) -> None:
    assert check_mobile(value) == "phone.format"


# --- Unified Social Credit Codes --------------------------------------------------


def test_generated_credit_code_validates() -> None:
    code = make_credit_code("91350200MA31XXXXX")
    assert len(code) == 18
    assert code.startswith("91350200MA31XXXXX")
    assert check_credit_code(code) is None


@pytest.mark.parametrize("index", [0, 5, 10, 16, 17])
def test_changed_credit_code_character_fails(index: int) -> None:
    code = make_credit_code("91350200MA31XXXXX")
    changed = _replace_char(code, index, "0123456789ABCDEFGHJKLMNPQRTUWXY")
    assert check_credit_code(changed) == "credit_code.check_digit"


def test_credit_code_errors() -> None:
    code = make_credit_code("91350200MA31XXXXX")
    assert check_credit_code(code[:17]) == "credit_code.length"
    assert check_credit_code(code + "0") == "credit_code.length"
    # I, O, Z, S and V are not part of the charset.
    for letter in "IOZSV":
        assert check_credit_code(letter + code[1:]) == "credit_code.format"
    assert check_credit_code(code[:17] + "-") == "credit_code.format"


def test_credit_code_check_character_can_be_zero() -> None:
    # Sum mod 31 == 0 must map to "0", not to an out-of-range 31.
    body = next(
        f"9135020000000{n:04d}"
        for n in range(10000)
        if make_credit_code(f"9135020000000{n:04d}")[-1] == "0"
    )
    assert check_credit_code(body + "0") is None


def test_make_credit_code_rejects_bad_body() -> None:
    with pytest.raises(ValueError):
        make_credit_code("91350200MA31XXXX")
    with pytest.raises(ValueError):
        make_credit_code("91350200MA31XXXXO")


# --- Masking ----------------------------------------------------------------------


def test_mask_national_id() -> None:
    assert mask_national_id("350203199001011234") == "3502**********1234"
    assert mask_national_id(PUBLIC_SAMPLE_ID) == "1101**********002X"
    assert mask_national_id("350203900101123") == "***********1123"  # old 15-digit form
    assert mask_national_id("123") == "***"
    assert mask_national_id(None) is None


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("0592-1234567") == "********4567"
    assert mask_phone(None) is None


def test_mask_text() -> None:
    assert mask_text("独生子女家庭") == "***"
    assert mask_text("") == "***"
    assert mask_text(None) is None


# --- Messages ---------------------------------------------------------------------


def test_every_validator_code_has_both_languages() -> None:
    codes = {
        "id_number.length",
        "id_number.format",
        "id_number.birth_date",
        "id_number.check_digit",
        "phone.format",
        "credit_code.length",
        "credit_code.format",
        "credit_code.check_digit",
    }
    for code in codes | set(MESSAGES):
        assert MESSAGES[code].keys() == {"zh", "en"}, code
        assert MESSAGES[code]["zh"] and MESSAGES[code]["en"], code


def test_message_defaults_to_chinese() -> None:
    assert message("required") == "此项为必填项"
    assert message("required", "en") == "This field is required"


def test_message_fills_placeholders() -> None:
    text = message("conflict.version", "en", current=3, given=2)
    assert "3" in text and "2" in text
    assert message("too_long", max=50) == "长度不能超过50个字符"


def test_message_tolerates_unknown_code_language_and_missing_params() -> None:
    assert message("no.such.code") == "no.such.code"
    assert message("required", "fr") == "此项为必填项"
    assert "{given}" in message("conflict.version", "en", current=3)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-GB,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh-CN;q=0.5,en;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "en"),
        ("en;q=0,zh;q=0.1", "zh"),
        ("fr", "zh"),
        ("*", "zh"),
        ("", "zh"),
        (None, "zh"),
        ("en;q=abc", "zh"),
        ("zh-TW", "zh"),
    ],
)
def test_negotiate_language(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected
