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


def _submit(city: City, photo: tuple[str, bytes, str] | None, **fields: str) -> Response:
    data = {"csrf_token": _token(city.client, "/submit"), "kind": "complaint", "content": TEXT,
            "requester_phone": "13800001234", **fields}
    files = {"photo": photo} if photo else None
    return city.client.post("/submit", data=data, files=files, follow_redirects=False)


def _attachments(runtime: Runtime, r: Response) -> list[dict[str, object]]:
    assert r.status_code == 303, r.text
    code = re.search(r"/track/(\d+)", r.headers["location"])
    assert code
    with runtime.db.uow(write=False) as uow:
        row = uow.session.query(AppealRow).filter_by(code=code.group(1)).one()
        return list(row.extra.get("attachments", []))


def test_a_resident_attaches_a_photo(city: City, runtime: Runtime) -> None:
    [photo] = _attachments(runtime, _submit(city, ("路灯.png", PNG, "image/png")))
    assert photo["content_type"] == "image/png" and photo["size"] == len(PNG)


def test_a_photo_survives_the_form_coming_back_with_an_error(city: City,
                                                             runtime: Runtime) -> None:
    """A browser cannot fill a file field again: the photo stored on a refused try is held
    (ticked) for the next; one that could not be stored is named, to be chosen again."""
    r = _submit(city, ("路灯.png", PNG, "image/png"), content="")
    assert r.status_code == 422
    assert "附上已上传的照片：路灯.png" in r.text and 'name="keep_photo"' in r.text
    [photo] = _attachments(runtime, _submit(city, None, keep_photo="on"))
    assert photo["original"] == "路灯.png" and photo["size"] == len(PNG)
    # held once only: the next appeal from this browser does not carry it
    assert _attachments(runtime, _submit(city, None, keep_photo="on")) == []

    r = _submit(city, ("路灯.png", PNG, "image/png"), content="")
    assert _attachments(runtime, _submit(city, None)) == []  # box cleared: not attached

    r = _submit(city, ("井盖.png", PNG, "image/png"), requester_phone="abc")
    assert r.status_code == 422 and "照片“井盖.png”未能上传，请重新选择" in r.text
    assert "keep_photo" not in r.text


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


def test_a_resident_adds_information_with_a_photo(city: City, runtime: Runtime) -> None:
    """补充 had no photo field: a resident could say the road was still broken but not show it.
    The photo joins the appeal's own (staff see it there), and a refused one is not kept."""
    r = _submit(city, ("路灯.png", PNG, "image/png"))
    code = r.headers["location"].split("/")[2].split("?")[0]
    page = f"/track/{code}"
    assert 'enctype="multipart/form-data"' in city.client.get(page).text.split("add_info")[1]

    def add(text: str, photo: tuple[str, bytes, str]) -> Response:
        return city.client.post(f"{page}/add_info", data={"csrf_token": _token(city.client, page),
                                                           "text": text},
                                files={"photo": photo}, follow_redirects=True)

    refused = add("不是照片", ("x.png", b"GIF89a", "image/png"))
    assert "照片须为 JPG、PNG 或 WEBP 格式" in refused.text
    assert "请填写补充内容" in add("", ("晚上.png", PNG, "image/png")).text
    assert len(list(runtime.settings.upload_dir.iterdir())) == 1  # neither refused one stored
    shown = add("晚上更黑了，见照片", ("晚上.png", PNG, "image/png"))
    assert "已补充" in shown.text and "附照片 1 张" in shown.text
    first, added = _attachments(runtime, r)
    assert added["original"] == "晚上.png" and first["original"] == "路灯.png"
    assert len(list(runtime.settings.upload_dir.iterdir())) == 2
    with runtime.db.uow(write=False) as uow:
        appeal_id = uow.session.query(AppealRow).filter_by(code=code).one().id
    _login(city.client, "dispatcher")
    staff = city.client.get(f"/staff/appeals/{appeal_id}").text
    assert f'/staff/appeals/{appeal_id}/photo/{added["name"]}' in staff
    assert city.client.get(f"/staff/appeals/{appeal_id}/photo/{added['name']}").content == PNG
    # a caller of the API cannot make another appeal's stored photo this one's by naming it
    # (retention would delete it with this appeal; its page would show it)
    other = city.register(content="楼道灯不亮")
    r = city.client.post(f"/api/v1/appeals/{other['id']}/add_info",
                         headers=city.headers("operator"),
                         json={"text": "见附件", "attachments": [added],
                               "photos": [added]})
    assert r.status_code == 200, r.text
    with runtime.db.uow(write=False) as uow:
        extra = uow.session.get(AppealRow, other["id"]).extra or {}
    assert not extra.get("attachments"), extra
    assert city.client.get(f"/staff/appeals/{other['id']}/photo/{added['name']}"
                           ).status_code == 404


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
