"""Shortening text for a card, a list row or an SMS: one rule for every page."""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"

# characters that belong to the character before them: cutting in front of one would leave
# half a character (an accent without its letter, an emoji without its skin tone or its
# "as emoji" selector, half of a ZWJ family)
_ZWJ = "\u200d"


def _joins_previous(ch: str) -> bool:
    code = ord(ch)
    return (ch == _ZWJ or unicodedata.category(ch) in ("Mn", "Me", "Mc")
            or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF  # variation selectors
            or 0x1F3FB <= code <= 0x1F3FF  # skin tones
            or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
            or 0xDC00 <= code <= 0xDFFF)  # the low half of a surrogate pair


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def shorten(text: str | None, limit: int) -> str:
    """`text` if it has at most `limit` characters, else its start and "…", `limit`
    characters in all: cut between whole characters as a reader sees them (never inside a
    surrogate pair, an accented letter, an emoji sequence or a flag) and without the spaces
    before the cut."""
    text = text or ""
    if limit < 1 or len(text) <= limit:
        return text if limit >= 1 else ""
    end = limit - 1  # room for the "…"
    while end > 0 and (_joins_previous(text[end]) or text[end - 1] == _ZWJ):
        end -= 1
    # a flag is a pair of regional indicators: count the run before the cut
    run = 0
    while end - run > 0 and _is_regional(text[end - run - 1]):
        run += 1
    if run % 2 and end < len(text) and _is_regional(text[end]):
        end -= 1
    return text[:end].rstrip() + ELLIPSIS
