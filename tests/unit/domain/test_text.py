"""Shortening text for cards, list rows and SMS: "…" only when something was cut, and never
half a character."""

from __future__ import annotations

import pytest

from jiesu.domain.text import shorten


def test_short_text_is_kept_as_it_is() -> None:
    assert shorten("楼道灯不亮", 5) == "楼道灯不亮"
    assert shorten("", 5) == "" and shorten(None, 5) == ""


def test_a_cut_ends_with_an_ellipsis_within_the_limit() -> None:
    cut = shorten("楼道灯不亮老人上下楼不方便", 6)
    assert cut == "楼道灯不亮…" and len(cut) == 6
    assert shorten("road lights   out tonight", 9) == "road lig…"
    assert shorten("road     lights", 9) == "road…"  # no spaces before the "…"


@pytest.mark.parametrize("whole", [
    "\U0001F468\u200d\U0001F469\u200d\U0001F467",  # a family: three emoji joined by ZWJ
    "\U0001F44D\U0001F3FD",  # thumbs up, skin tone
    "\u2764\ufe0f",  # heart "as emoji"
    "e\u0301",  # e + combining accent
    "\U0001F1E8\U0001F1F3",  # a flag: two regional indicators
])
def test_a_cut_never_splits_a_character_as_the_reader_sees_it(whole: str) -> None:
    for before in range(0, 4):
        text = "路" * before + whole + "灯不亮了请尽快修理"
        for limit in range(1, len(text)):
            cut = shorten(text, limit)
            assert len(cut) <= limit and cut.endswith("…")
            kept = cut[:-1]
            # the whole sequence or none of it
            assert whole in kept or kept == "路" * min(before, len(kept)), (limit, cut)


def test_flags_in_a_row_are_cut_between_pairs() -> None:
    flags = "\U0001F1E8\U0001F1F3\U0001F1EF\U0001F1F5\U0001F1FA\U0001F1F8"
    for limit in range(1, len(flags)):
        assert len(shorten(flags, limit)[:-1]) % 2 == 0


def test_a_lone_low_surrogate_stays_with_its_high_half() -> None:
    text = "路灯" + "\ud83d\ude00" + "不亮"  # as a UTF-16 pair, e.g. from a bad import
    assert shorten(text, 4) == "路灯…"
