"""The public-response PII guard itself: it must catch a leak and ignore staff responses."""

from __future__ import annotations

import httpx
import pytest

from tests.support.pii_guard import PublicPiiLeak, check_response


def _response(body: str, **headers: str) -> httpx.Response:
    request = httpx.Request("GET", "http://testserver/board", headers=headers)
    return httpx.Response(200, text=body, headers={"content-type": "text/html"}, request=request)


def test_guard_catches_phone_and_id_in_public_responses() -> None:
    with pytest.raises(PublicPiiLeak):
        check_response(_response("诉求人电话 13812345678"))
    with pytest.raises(PublicPiiLeak):
        check_response(_response("身份证号 110101199003074514"))


def test_guard_passes_redacted_and_staff_responses() -> None:
    check_response(_response("诉求人电话 138****5678，编号 2026112700001"))
    check_response(_response("电话 13812345678", authorization="Bearer x"))
    check_response(_response("电话 13812345678", cookie="session=abc"))


def test_public_endpoints_in_this_suite_are_guarded(client: httpx.Client) -> None:
    hooks = client.event_hooks["response"]
    assert check_response in hooks
