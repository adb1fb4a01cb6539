"""A guard over every public response in the test suite: no unredacted phone or ID number.

A response is public when its request carried neither an Authorization header nor a session
cookie — what any anonymous visitor, Open311 client or open-data consumer can get.
"""

from __future__ import annotations

import httpx

from jiesu.nlp.pii import find_pii

GUARDED_KINDS = {"mobile", "landline", "id_number"}


class PublicPiiLeak(AssertionError):
    pass


def is_public(request: httpx.Request) -> bool:
    if request.headers.get("authorization"):
        return False
    cookie = request.headers.get("cookie", "")
    return "session=" not in cookie


def check_response(response: httpx.Response) -> None:
    if not is_public(response.request):
        return
    response.read()
    ctype = response.headers.get("content-type", "")
    if not any(t in ctype for t in ("json", "html", "xml", "csv", "text")):
        return
    text = response.text
    leaks = [m for m in find_pii(text) if m.kind in GUARDED_KINDS]
    if leaks:
        shown = ", ".join(f"{m.kind}:{m.text}" for m in leaks[:5])
        raise PublicPiiLeak(
            f"public response {response.request.method} {response.request.url.path} "
            f"contains unredacted personal data: {shown}")


def install(client: httpx.Client) -> None:
    client.event_hooks.setdefault("response", []).append(check_response)
