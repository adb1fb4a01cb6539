"""Files sent with the pages' forms: a resident's photo on /submit, an administrator's taxonomy
file (SQLite and PostgreSQL). The grid worker's photo is in test_grid.py."""

from __future__ import annotations

import re

from httpx import Response

from jiesu.runtime import Runtime
from jiesu.store.tables import AppealRow
from tests.integration.test_grid import PNG
from tests.integration.test_web_pages import _login, _token
from tests.support.city import City

TEXT = "小区门口的路灯坏了一个多月，晚上出行不安全"


def _submit(city: City, photo: tuple[str, bytes, str] | None) -> Response:
    data = {"csrf_token": _token(city.client, "/submit"), "kind": "complaint", "content": TEXT,
            "requester_phone": "13800001234"}
    files = {"photo": photo} if photo else None
    return city.client.post("/submit", data=data, files=files, follow_redirects=False)


def test_a_resident_attaches_a_photo(city: City, runtime: Runtime) -> None:
    r = _submit(city, ("路灯.png", PNG, "image/png"))
    assert r.status_code == 303, r.text
    code = re.search(r"/track/(\d+)", r.headers["location"])
    assert code
    with runtime.db.uow(write=False) as uow:
        row = uow.session.query(AppealRow).filter_by(code=code.group(1)).one()
        [photo] = row.extra["attachments"]
    assert photo["content_type"] == "image/png" and photo["size"] == len(PNG)


def test_a_photo_too_large_or_not_a_picture_is_refused(city: City) -> None:
    big = PNG + b"\0" * (5 * 1024 * 1024)
    for photo, message in ((("big.png", big, "image/png"), "照片不能超过 5MB"),
                           (("x.png", b"GIF89a not allowed", "image/png"),
                            "照片须为 JPG、PNG 或 WEBP 格式")):
        r = _submit(city, photo)
        assert r.status_code == 422 and message in r.text
        assert TEXT in r.text  # what the resident wrote is kept
    listed = city.client.get("/api/v1/appeals", headers=city.headers("dispatcher")).json()
    assert listed["total"] == 0


def test_an_administrator_uploads_a_taxonomy_file(city: City) -> None:
    c = city.client
    _login(c, "admin")
    page = "/staff/admin?tab=taxonomy"
    csv = "level1,level2,level3\n城乡建设,市政设施,井盖\n环境保护,噪音污染,夜间施工\n"
    r = c.post("/staff/admin/taxonomy", data={"csrf_token": _token(c, page)},
               files={"file": ("分类.csv", csv.encode("utf-8-sig"), "text/csv")})
    assert r.status_code == 200 and "分类已导入" in r.text and "新增" in r.text
    r = c.post("/staff/admin/taxonomy", data={"csrf_token": _token(c, page)},
               files={"file": ("大.csv", b"level1\n" + b"x" * (2 * 1024 * 1024), "text/csv")})
    assert "分类文件不能超过 2MB" in r.text
    r = c.post("/staff/admin/taxonomy", data={"csrf_token": _token(c, page)})
    assert "请选择分类文件" in r.text
