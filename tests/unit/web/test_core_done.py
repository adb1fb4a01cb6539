"""`core.done`, the one way a form's route answers: done, flash and redirect (303); refused,
flash and redirect to the form's page, or with `refused` that page at once."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.errors import DomainError, IllegalTransition, InvalidArguments
from jiesu.web import core


def _request() -> Request:
    return Request({"type": "http", "method": "POST", "path": "/", "headers": [],
                    "session": {}})


def _refuse(exc: DomainError) -> Any:
    def call() -> Any:
        raise exc
    return call


def _page(shown: list[DomainError]) -> Any:
    """A refusal page that records what it was shown and answers with the error's status."""
    def page(exc: DomainError) -> Response:
        shown.append(exc)
        return HTMLResponse(f"<p>{exc.message}</p>", status_code=exc.http_status)
    return page


def test_a_refusal_shows_the_page_at_once_and_flashes_nothing() -> None:
    request, shown = _request(), []
    error = InvalidArguments("评价内容过长", field="comment")
    response = core.done(request, _refuse(error), "已保存", "/back", refused=_page(shown))
    assert shown == [error]
    assert response.status_code == 422
    assert "location" not in response.headers
    assert bytes(response.body).decode() == "<p>评价内容过长</p>"
    # the page says why itself: no flash waits for the next page, nothing typed is kept
    assert "flash" not in request.session and "typed" not in request.session


def test_done_flashes_and_redirects_to_a_page_of_the_result() -> None:
    request, shown = _request(), []
    response = core.done(request, lambda: 7, lambda n: f"已保存第 {n} 版",
                         lambda n: f"/staff/things/{n}", refused=_page(shown))
    assert shown == []
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/things/7"
    assert request.session["flash"] == [["ok", "已保存第 7 版"]]


def test_without_a_refusal_page_the_refusal_is_flashed_on_the_redirect() -> None:
    request = _request()
    response = core.done(request, _refuse(IllegalTransition("已撤回的政策不能再撤回")),
                         "已撤回", "/staff/policies/3", keep=("withdraw", {"reason": "重复"}))
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/policies/3"
    assert request.session["flash"] == [["error", "已撤回的政策不能再撤回"]]
    assert core.take_typed(request) == {"withdraw": {"reason": "重复"}}


def test_the_field_a_refusal_names() -> None:
    assert core.error_field(InvalidArguments("请选择负责单位", field="owner_unit_id")) == \
        "owner_unit_id"
    assert core.error_field(InvalidArguments("请填写内容")) is None
    assert core.error_field(InvalidArguments("请填写内容", field="")) is None
