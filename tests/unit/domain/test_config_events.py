"""The configuration-change log's pure rules: secrets never kept, and the hash covers every
part of an entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from jiesu.domain.config_events import ConfigChange, difference, entry_hash, without_secrets
from jiesu.domain.events import GENESIS_HASH, anchor_digest

AT = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
CHANGE = ConfigChange("users", "add", AT, 1, "admin", "新增用户 li", {"after": {"role": "admin"}})


def test_secrets_are_left_out_however_deep() -> None:
    details = {"username": "li", "password": "x", "password_hash": "$argon2$",
               "after": {"api_key_secret": "k", "token": "t", "name": "李"},
               "rules": [{"secret": "s", "unit": "D1"}]}
    assert without_secrets(details) == {"username": "li", "after": {"name": "李"},
                                        "rules": [{"unit": "D1"}]}


def test_the_hash_covers_every_part_and_the_previous_hash() -> None:
    h = entry_hash(GENESIS_HASH, 1, CHANGE)
    assert entry_hash(GENESIS_HASH, 1, CHANGE) == h
    assert entry_hash("1" * 64, 1, CHANGE) != h
    assert entry_hash(GENESIS_HASH, 2, CHANGE) != h
    for other in (replace(CHANGE, area="units"), replace(CHANGE, action="update"),
                  replace(CHANGE, actor_id=2), replace(CHANGE, actor_role="auditor"),
                  replace(CHANGE, summary="x"), replace(CHANGE, details={}),
                  replace(CHANGE, at=AT.replace(microsecond=1))):
        assert entry_hash(GENESIS_HASH, 1, other) != h


def test_the_difference_keeps_only_what_changed() -> None:
    before = {"title": "公积金", "answer": "旧口径", "keywords": ["公积金"]}
    after = {"title": "公积金", "answer": "新口径", "keywords": ["公积金", "提取"]}
    assert difference(before, after) == ({"answer": "旧口径", "keywords": ["公积金"]},
                                         {"answer": "新口径", "keywords": ["公积金", "提取"]})
    assert difference(after, after) == ({}, {})


def test_an_anchor_digest_covers_the_configuration_head_it_kept() -> None:
    events = ["a" * 64, "b" * 64]
    old = anchor_digest(GENESIS_HASH, events)  # anchors written before the head was kept
    assert old == anchor_digest(GENESIS_HASH, events, None)
    kept = anchor_digest(GENESIS_HASH, events, (3, "c" * 64))
    assert kept != old
    assert anchor_digest(GENESIS_HASH, events, (4, "c" * 64)) != kept
    assert anchor_digest(GENESIS_HASH, events, (3, "d" * 64)) != kept
