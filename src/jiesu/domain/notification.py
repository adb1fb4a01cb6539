"""Outgoing notifications (通知): the message a sender hands to a channel, how long to wait
before trying again, and how a recipient is shown to staff. Pure: no I/O, time passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from jiesu.domain.privacy import MASK, mask_middle, mask_phone

CHANNELS = ("sms", "email", "webhook")
# "skipped": the channel has no gateway configured (a null channel), so the message was only
# logged; it is not sent later, and is purged like a sent one.
STATUSES = ("pending", "sent", "skipped", "failed")
DONE_STATUSES = ("sent", "skipped")  # a message in one of these is never sent again

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)

# one address, no display name and no list: what a mail system can deliver to
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


@dataclass(frozen=True)
class Message:
    """One message of the outbox as a channel sends it; `attempt` counts from 1."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    kind: str
    ref: str | None
    created_at: datetime
    attempt: int = 1


def retry_delay(attempt: int, *, first: timedelta = FIRST_RETRY,
                longest: timedelta = LONGEST_RETRY) -> timedelta:
    """The wait after failed attempt number `attempt` (1, 2, 4, 8 … minutes, at most `longest`)."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    # the exponent is bounded so that a large attempt number cannot overflow timedelta
    return min(first * (1 << min(attempt - 1, 30)), longest)


def gives_up(attempt: int, max_attempts: int, *, permanent: bool) -> bool:
    """Whether a failed attempt is the last: retrying cannot help, or none are left."""
    return permanent or attempt >= max_attempts


def email_address(value: str) -> bool:
    """Whether `value` is one e-mail address (name@domain.tld), as the mail adapter sends to;
    new input is held to `new_email_address`."""
    return _EMAIL.fullmatch(value) is not None


def new_email_address(value: str) -> bool:
    """Whether new input (Open311's `email`) is an address: as `email_address`, and no label of
    the domain is empty (a@b..c, a@.b.c, a@b.c. are typos no mail system delivers to). The mail
    adapter keeps the looser check, so that what was queued before is still tried."""
    if not email_address(value):
        return False
    return all(value.rpartition("@")[2].split("."))


def mask_recipient(channel: str, recipient: str) -> str:
    """A recipient as staff pages and logs show it: 138****8000, z***@example.com; a webhook's
    recipient (a subscriber's name, not a person's address) is shown as it is."""
    if channel == "sms":
        return mask_phone(recipient)
    if channel == "email":
        local, at, domain = recipient.rpartition("@")
        if not at:
            return mask_middle(recipient, 1, 0)
        return (local[:1] + MASK * 3 if local else "") + "@" + domain
    return recipient
