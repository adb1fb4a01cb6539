"""Write docs/lifecycle.md from the transition table: `python scripts/gen_lifecycle_docs.py`."""

from __future__ import annotations

import sys
from pathlib import Path

from jiesu.domain.diagram import lifecycle_markdown

TARGET = Path(__file__).resolve().parent.parent / "docs" / "lifecycle.md"


def main() -> int:
    text = lifecycle_markdown()
    if TARGET.exists() and TARGET.read_text(encoding="utf-8") == text:
        print(f"{TARGET} is up to date")
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
