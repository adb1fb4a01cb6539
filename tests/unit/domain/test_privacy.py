import pytest

from jiesu.domain.privacy import (
    id_check_char,
    luhn_check_digit,
    luhn_ok,
    mask_bank_card,
    mask_id_number,
    mask_name,
    mask_phone,
    valid_id_number,
)


def _weighted_check(body: str) -> str:
    # Independent restatement of GB 11643: weights are 2^(17-i) mod 11.
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return "10X98765432"[total % 11]


@pytest.mark.parametrize("body", ["11010519491231002", "43010219900307123", "44030419851111888"])
def test_check_char_matches_the_standard_formula(body):
    assert id_check_char(body) == _weighted_check(body)


def test_published_sample_id_number_is_valid():
    # The example from GB 11643-1999 itself.
    assert valid_id_number("11010519491231002X")
    assert valid_id_number("11010519491231002x")


BODY = "43010219900307123"


@pytest.mark.parametrize("wrong", [c for c in "0123456789X" if c != _weighted_check(BODY)])
def test_every_wrong_check_char_is_rejected(wrong):
    assert valid_id_number(BODY + _weighted_check(BODY))
    assert not valid_id_number(BODY + wrong)


@pytest.mark.parametrize(
    "s", ["", "1101051949123100", "01010519491231002X", "110105194912310021234", "abc"]
)
def test_malformed_id_numbers_are_rejected(s):
    assert not valid_id_number(s)


def test_legacy_15_digit_ids_need_a_real_birth_date():
    assert valid_id_number("430102900307123")
    assert not valid_id_number("430102901307123")  # month 13
    assert not valid_id_number("930102900307123")  # no region starts with 9


def test_luhn():
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert not luhn_ok("")
    assert not luhn_ok("4111-1111")
    payload = "622202123456789012"
    assert luhn_ok(payload + luhn_check_digit(payload))


def test_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "+86 138 **** 5678"
    assert mask_phone("0731-84123456") == "0731-****3456"
    assert mask_phone("010 12345678") == "010 ****5678"
    # a local number without its area code kept all its 7 digits (3 + 4): at most half stay
    assert mask_phone("8811333") == "****333"
    assert mask_phone("8811-3333") == "****-3333"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_bank_card("6222021234567890128") == "6222***********0128"
    assert mask_name("张三") == "张**"
    assert mask_name("王小明") == "王**"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("Tom") == "***"
