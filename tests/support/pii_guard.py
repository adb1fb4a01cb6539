"""A guard over every public response in the test suite: no unredacted phone or ID number.

A response is public when its request carried no Authorization header and either no session
cookie or a session that opens nothing on that page: a GET outside the pages a session unlocks
(staff pages, a tracked appeal, an enterprise's policies) shows anyone the same — the board,
/stats, a survey link. Every public form sets a session (its CSRF token), so a guard that
skipped every request with one checked only a client's first page. What the request itself
sent (a search typed into the board) is the visitor's own and is not counted.
"""

from __future__ import annotations

import html

import httpx

from jiesu.nlp.pii import find_pii

GUARDED_KINDS = {"mobile", "landline", "id_number"}


class PublicPiiLeak(AssertionError):
    pass


# pages a session opens (signed-in staff, the requester who proved code and phone, the
# enterprise that proved its code and phone); elsewhere a session changes nothing one sees
SESSION_PAGES = ("/staff", "/track/", "/enterprise/policies")


def is_public(request: httpx.Request) -> bool:
    if request.headers.get("authorization"):
        return False
    if "session=" not in request.headers.get("cookie", ""):
        return True
    return request.method == "GET" and not request.url.path.startswith(SESSION_PAGES)


def _own_input(request: httpx.Request, text: str) -> str:
    """`text` without what the request's query string sent (echoed in a search box)."""
    for value in request.url.params.values():
        if value:
            text = text.replace(html.escape(value), "").replace(value, "")
    return text


def check_response(response: httpx.Response) -> None:
    if not is_public(response.request):
        return
    response.read()
    ctype = response.headers.get("content-type", "")
    if not any(t in ctype for t in ("json", "html", "xml", "csv", "text")):
        return
    text = _own_input(response.request, response.text)
    leaks = [m for m in find_pii(text) if m.kind in GUARDED_KINDS]
    if leaks:
        shown = ", ".join(f"{m.kind}:{m.text}" for m in leaks[:5])
        raise PublicPiiLeak(
            f"public response {response.request.method} {response.request.url.path} "
            f"contains unredacted personal data: {shown}")


def install(client: httpx.Client) -> None:
    client.event_hooks.setdefault("response", []).append(check_response)
