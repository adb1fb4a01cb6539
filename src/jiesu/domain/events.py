"""Events: one append-only record per action, hash-chained per appeal."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to an appeal (流转记录)."""

    type: str
    at: datetime
    actor_id: int | None
    actor_role: str
    data: dict[str, Any] = field(default_factory=dict)


def canonical(appeal_id: int, seq: int, event: DomainEvent) -> str:
    """The canonical text of an event that its hash covers (stable key order, UTC ISO time)."""
    body = {
        "appeal_id": appeal_id,
        "seq": seq,
        "type": event.type,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "data": event.data,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def chain_hash(prev_hash: str, canonical_text: str) -> str:
    """SHA-256 of the previous event's hash followed by this event's canonical content."""
    return hashlib.sha256((prev_hash + canonical_text).encode("utf-8")).hexdigest()


def anchor_digest(prev_digest: str, event_hashes: list[str],
                  config_head: tuple[int, str] | None = None) -> str:
    """Digest of a batch of event hashes, chained to the previous anchor, and of the
    configuration-change chain's head (its length and last hash) when the anchor was taken
    (anchors written before it was kept have none)."""
    h = hashlib.sha256(prev_digest.encode("ascii"))
    for eh in event_hashes:
        h.update(eh.encode("ascii"))
    if config_head is not None:
        count, head = config_head
        h.update(f"config:{count}:{head}".encode("ascii"))
    return h.hexdigest()
