"""The public-response PII guard itself: it must catch a leak and ignore staff responses."""

from __future__ import annotations

import httpx
import pytest

from tests.support.pii_guard import PublicPiiLeak, check_response


def _response(body: str, path: str = "/board", method: str = "GET",
              **headers: str) -> httpx.Response:
    request = httpx.Request(method, f"http://testserver{path}", headers=headers)
    return httpx.Response(200, text=body, headers={"content-type": "text/html"}, request=request)


def test_guard_catches_phone_and_id_in_public_responses() -> None:
    with pytest.raises(PublicPiiLeak):
        check_response(_response("诉求人电话 13812345678"))
    with pytest.raises(PublicPiiLeak):
        check_response(_response("身份证号 110101199003074514"))


def test_guard_passes_redacted_and_staff_responses() -> None:
    check_response(_response("诉求人电话 138****5678，编号 2026112700001"))
    check_response(_response("电话 13812345678", authorization="Bearer x"))
    check_response(_response("电话 13812345678", "/staff/appeals/1", cookie="session=abc"))
    check_response(_response("电话 13812345678", "/track/2026112700001", cookie="session=abc"))
    # the visitor's own search, echoed in the search box
    check_response(_response('<input name="q" value="13812345678">', "/board?q=13812345678"))


def test_a_session_does_not_make_a_public_page_private() -> None:
    """Every public form sets a session (its CSRF token): the board, /stats or a survey link
    fetched with one is still what anyone sees."""
    for path in ("/board", "/stats", "/survey/abc", "/api/v1/survey/abc"):
        with pytest.raises(PublicPiiLeak):
            check_response(_response("电话 13812345678", path, cookie="session=abc"))


def test_public_endpoints_in_this_suite_are_guarded(client: httpx.Client) -> None:
    hooks = client.event_hooks["response"]
    assert check_response in hooks
