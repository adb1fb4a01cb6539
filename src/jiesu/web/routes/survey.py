"""The requester's online follow-up questionnaire (网上回访), opened from the SMS link: was it
solved, is the requester satisfied, and (optional) a star rating. One answer per link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.domain.rating import STARS_ZH, parse_stars
from jiesu.services.clock import utcnow
from jiesu.web import core, feedback
from jiesu.web.core import FormDep

router = APIRouter(prefix="/survey", include_in_schema=False)
RESOLVED = (("yes", "已解决"), ("partly", "部分解决"), ("no", "未解决"))
SATISFACTION = (("satisfied", "满意"), ("basically", "基本满意"), ("dissatisfied", "不满意"))


def _page(request: Request, token: str, *, error: str | None = None, done: str | None = None,
          status_code: int = 200, chosen: dict[str, str] | None = None,
          error_field: str | None = None) -> HTMLResponse:
    info = None
    if done is None:
        try:
            info = feedback.service(core.runtime_of(request)).survey_info(token, utcnow())
        except DomainError as exc:  # unknown, used or expired: say which, show no form
            error, status_code = exc.message, exc.http_status
    return core.render(request, "public/survey.html", {
        "token": token, "info": info, "error": error, "error_field": error_field, "done": done,
        "chosen": chosen or {},
        "resolved": RESOLVED, "satisfaction": SATISFACTION,
        "stars": sorted(STARS_ZH.items(), reverse=True)}, status_code=status_code)


@router.get("/{token}", response_class=HTMLResponse)
def survey_form(request: Request, token: str) -> HTMLResponse:
    return _page(request, token[:100])


@router.post("/{token}", response_class=HTMLResponse)
def answer(request: Request, token: str, form: FormDep) -> HTMLResponse:
    token = token[:100]
    resolved, satisfaction = core.text(form, "resolved"), core.text(form, "satisfaction")
    stars = core.text(form, "stars")
    try:
        if resolved not in dict(RESOLVED) or satisfaction not in dict(SATISFACTION):
            # the first question left unanswered is the one marked on the form
            raise InvalidArguments("请选择是否解决和满意程度", field=(
                "resolved" if resolved not in dict(RESOLVED) else "satisfaction"))
        appeal = feedback.service(core.runtime_of(request)).answer_survey(
            token, utcnow(), resolved=resolved, satisfaction=satisfaction,
            stars=parse_stars(stars) if stars else None,
            comment=core.text(form, "comment"))
    except DomainError as exc:  # what was answered stays answered, the comment too, whole
        chosen = {"resolved": resolved, "satisfaction": satisfaction, "stars": stars,
                  "comment": core.text(form, "comment")}
        return _page(request, token, error=exc.message, status_code=exc.http_status,
                     chosen=chosen, error_field=core.error_field(exc))
    done = ("感谢您的反馈，诉求已办结" if appeal.status == "closed"
            else "感谢您的反馈，诉求已退回承办单位重新办理")
    return _page(request, token, done=done)
