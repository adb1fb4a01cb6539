"""Server-rendered pages (Jinja2) for residents and every staff role; see docs/web.md.

`mount(app)` adds sessions, the static files, the page routers and HTML error pages for
everything outside `/api`. Pages call services and `jiesu.store.queries`, never the HTTP API.
"""

from __future__ import annotations

from jiesu.web.app import mount

__all__ = ["mount"]
