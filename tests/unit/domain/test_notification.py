"""Notification rules: the retry schedule, when to give up, how recipients are shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jiesu.domain.notification import gives_up, mask_recipient, retry_delay


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
