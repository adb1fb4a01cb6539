"""Shared normalisation helpers for Chinese appeal text."""

from __future__ import annotations

import re
import unicodedata

# Full-width ASCII (U+FF01–U+FF5E) maps one-to-one onto ASCII; the ideographic space onto a
# space. One-to-one matters: detectors report offsets into the caller's original string.
_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20
_NON_WORD = re.compile(r"[\W_]+")


# What detectors need folded: letters, digits and the symbols of numbers, e-mails, plates.
# Chinese punctuation (，。：) is left alone: every Chinese text has it, and str.translate
# with a dict is slow, so text with nothing to fold is returned as it is.
_FOLDED = (
    "".join(chr(cp) for cp in range(0xFF10, 0xFF1A))  # ０-９
    + "".join(chr(cp) for cp in range(0xFF21, 0xFF3B))  # Ａ-Ｚ
    + "".join(chr(cp) for cp in range(0xFF41, 0xFF5B))  # ａ-ｚ
    + "（）＋－．＠＿\u3000"
)
_FOLD_TABLE = {ord(ch): _WIDTH_TABLE[ord(ch)] for ch in _FOLDED}
_NEEDS_FOLD = re.compile("[" + re.escape(_FOLDED) + "]")


def fold_width(text: str) -> str:
    """Turn full-width letters, digits and number symbols into ASCII, keeping every offset."""
    return text.translate(_FOLD_TABLE) if _NEEDS_FOLD.search(text) else text


def is_han(ch: str) -> bool:
    """True for a CJK unified ideograph (汉字)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def compact(text: str) -> str:
    """Normalise for similarity: NFKC, lower case, only letters, digits and 汉字 kept.

    Punctuation, spaces and emoji carry no meaning for "is this the same complaint", and
    re-posts often differ exactly there.
    """
    if not unicodedata.is_normalized("NFKC", text):  # the check is much cheaper than NFKC
        text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    return _NON_WORD.sub("", text)
