"""Notification rules: the retry schedule, when to give up, how recipients are shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jiesu.domain.notification import (
    email_address,
    gives_up,
    mask_recipient,
    new_email_address,
    retry_delay,
)


def test_retries_wait_1_2_4_8_minutes_then_at_most_an_hour() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert retry_delay(7) == retry_delay(1000) == timedelta(hours=1)
    with pytest.raises(ValueError):
        retry_delay(0)


def test_gives_up_after_the_last_attempt_or_at_once_when_permanent() -> None:
    assert not gives_up(4, 5, permanent=False)
    assert gives_up(5, 5, permanent=False)
    assert gives_up(1, 5, permanent=True)


@pytest.mark.parametrize(("channel", "recipient", "shown"), [
    ("sms", "13800138000", "138****8000"),
    ("sms", "+86 13800138000", "+86 138****8000"),
    ("email", "zhang.san@firm.example", "z***@firm.example"),
    ("email", "not-an-address", "n*************"),
    ("webhook", "enterprise-42", "enterprise-42"),
])
def test_recipients_are_masked_for_staff(channel: str, recipient: str, shown: str) -> None:
    assert mask_recipient(channel, recipient) == shown


@pytest.mark.parametrize("address", ["a@b..c", "a@.b", "a@b.", "a@.b.c", "a@b.c.", "a@b",
                                     "a@@b.c", "a b@c.d", ""])
def test_new_input_refuses_an_address_with_an_empty_domain_label(address: str) -> None:
    assert not new_email_address(address)


@pytest.mark.parametrize("address", ["z@example.com", "zhang.san+12345@mail.firm.example.cn",
                                     "x@xn--fiqs8s.cn"])
def test_new_input_takes_an_ordinary_address(address: str) -> None:
    assert new_email_address(address) and email_address(address)


def test_the_mail_adapter_still_takes_what_it_sent_to() -> None:
    """Messages already queued to such an address are still tried (the SMTP server decides)."""
    assert all(email_address(a) for a in ("a@b..c", "a@.b.c", "a@b.c."))
