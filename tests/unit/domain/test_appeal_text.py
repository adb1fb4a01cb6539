"""How a person's text and phone number are kept (jiesu.domain.appeal)."""

from __future__ import annotations

import pytest

from jiesu.domain.appeal import clean_text, normalize_phone, phone_digits, typed_code


@pytest.mark.parametrize(("typed", "stored"), [
    ("13800013800", "13800013800"),
    ("１３８ ０００１－３８００", "13800013800"),  # a Chinese input method's full-width digits
    ("(138) 0001-3800", "13800013800"),
    ("（０１０）６５５５—１２３４", "01065551234"),
    # a mainland mobile after China's country code is its bare 11 digits (one phone)
    ("+86 138 0001 3800", "13800013800"),
    ("００86-138-0001-3800", "13800013800"),
    ("(+86)13800013800", "13800013800"),
    ("86 138 0001 3800", "13800013800"),
    ("8613800013800", "13800013800"),  # how a rater's phone was kept: digits only
    # a landline keeps its area code, another country its own, an extension its digits
    ("+1 415 555 0100", "+14155550100"),
    ("010-6555-1234转8", "01065551234转8"),
    ("86123456", "86123456"),  # a local number that begins with 86
    ("86134567-12345", "8613456712345"),  # …with an extension: not a mobile's grouping
    ("+86 138 0001 3800-12", "+861380001380012"),  # not a mobile: kept as typed
    ("", ""),
])
def test_phone_numbers_are_stored_without_separators_in_ascii(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(("typed", "stored"), [
    # a mainland landline after China's country code is written as at home: 0, area code
    # (10, 2X, or three digits 3XX-9XX) and the local number of 7-8 digits
    ("+86 10 6555 1234", "01065551234"),
    ("0086 21 6512 3456", "02165123456"),
    ("+86 571 8765 4321", "057187654321"),
    ("+86-571-876-5432", "05718765432"),
    ("＋８６ （１０） ６５５５ １２３４", "01065551234"),
    ("+86 (0)10 6555 1234", "01065551234"),  # the 0 a caller from abroad leaves out, kept
    # …its extension as it is kept written at home (010-6555-1234-8, 010-6555-1234转8)
    ("+86 10 6555 1234-8", "010655512348"),
    ("+86 10 6555 1234 转 8", "01065551234转8"),
    ("+86 10 6555 1234 ext. 80", "01065551234ext80"),
    ("+86 755 8765 4321#123", "075587654321#123"),
    # a 400/800 service number has no area code and is dialled without a 0
    ("+86 400 123 4567", "4001234567"),
    ("0086-800-123-4567", "8001234567"),
    ("+86 400 123 4567 转 2", "4001234567转2"),
    # what is none of these keeps its form: no such area code, too short, too long, or a
    # bare 86 (a local number may begin with it)
    ("+86 11 6555 1234", "+861165551234"),
    ("+86 95588", "+8695588"),
    ("+86 10 6555 12", "+8610655512"),
    ("+86 10 6555 1234 / 6555 1235", "+86106555123465551235"),
    ("+86 400 123 456", "+86400123456"),
    ("86 10 6555 1234", "861065551234"),
])
def test_a_landline_with_the_country_code_is_stored_as_dialled_at_home(typed: str,
                                                                    stored: str) -> None:
    assert normalize_phone(typed) == stored


def test_a_landline_with_the_country_code_is_the_same_phone() -> None:
    assert {phone_digits(p) for p in ("+86 10 6555 1234", "0086-10-6555-1234", "010 6555 1234",
                                      "(010)65551234", "+86 (0)10 6555 1234")} == {"01065551234"}


def test_a_mobile_with_the_country_code_is_the_same_phone() -> None:
    assert {phone_digits(p) for p in ("+86 138 0001 3800", "0086 13800013800",
                                      "86-138-0001-3800", "138 0001 3800")} == {"13800013800"}


def test_phone_digits_are_ascii_only() -> None:
    assert phone_digits("１３８-０００１-３８００") == "13800013800"
    assert phone_digits("²³") == "23"  # NFKC reads superscripts as digits, int() agrees
    assert phone_digits("١٢٣") == ""  # Arabic-Indic digits are no Chinese phone number
    assert phone_digits(None) == ""


def test_clean_text_drops_control_characters_but_keeps_lines() -> None:
    assert clean_text(" 路灯\x00坏了\x07\n第二行\t \x7f") == "路灯坏了\n第二行"
    assert clean_text(None) == ""


def test_a_tracking_code_is_read_as_typed_from_a_receipt_or_an_sms() -> None:
    assert typed_code("２０２６ １１２８ ００１２３") == "2026112800123"
    assert typed_code(" 2026112800123\n") == "2026112800123"
    assert typed_code(None) == ""
    assert len(typed_code("9" * 100)) == 32  # a pasted paragraph is not looked up whole
