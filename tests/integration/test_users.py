"""User management (SQLite and PostgreSQL): an administrator edits, deactivates, reactivates
and resets the password of a user through the API and the admin page, within the guards (not
oneself, never the last active administrator); every staff member changes their own
password; and a deactivation, password change or reset ends the bearer tokens and page
sessions issued before it, except the page the user changed their own password on."""

from __future__ import annotations

import contextlib
import re
import threading

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from jiesu.domain.appeal import Role
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService, Conflict
from jiesu.services.auth import Authenticator, CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.users import UserChange, UserService
from jiesu.store import accounts
from tests.support.city import PASSWORD, City
from tests.support.concurrency import side_by_side

NEW_PASSWORD = "brand-new-pass-9"


def _ids(city: City) -> dict[str, int]:
    r = city.client.get("/api/v1/admin/users", headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    return {u["username"]: u["id"] for u in r.json()}


def _user(city: City, username: str) -> dict[str, object]:
    r = city.client.get("/api/v1/admin/users", headers=city.headers("admin"))
    return next(u for u in r.json() if u["username"] == username)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "page has no CSRF field"
    return found.group(1)


def _page_login(c: TestClient, username: str, password: str = PASSWORD) -> int:
    token = _csrf(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": password,
                                  "csrf_token": token}, follow_redirects=False).status_code


def _signed_in(c: TestClient, path: str) -> bool:
    r = c.get(path, follow_redirects=False)
    assert r.status_code in (200, 303), (path, r.status_code)
    return r.status_code == 200


def _other_device(city: City) -> TestClient:
    """A second browser on the same server (its own cookies)."""
    return TestClient(city.client.app)


def _token_works(city: City, token: str) -> bool:
    r = city.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


def _login_token(city: City, username: str, password: str) -> str | None:
    r = city.client.post("/api/v1/auth/token", json={"username": username, "password": password})
    return r.json()["access_token"] if r.status_code == 200 else None


# --- the API -------------------------------------------------------------------------------


def test_admin_edits_a_user_through_the_api(city: City) -> None:
    c, admin = city.client, city.headers("admin")
    ids = _ids(city)
    r = c.patch(f"/api/v1/admin/users/{ids['operator']}", headers=admin,
                json={"display_name": "  王话务  ", "role": "handler", "unit_code": "D2"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["display_name"], body["role"], body["unit_id"], body["active"]) == (
        "王话务", "handler", city.unit_ids["D2"], True)
    assert body["updated_by"] == ids["admin"] and body["updated_at"]
    # the change shows in the listing, and fields left out stay as they were
    r = c.patch(f"/api/v1/admin/users/{ids['operator']}", headers=admin, json={})
    assert r.status_code == 200 and r.json()["role"] == "handler"
    assert _user(city, "operator")["display_name"] == "王话务"
    # the user acts in their new role at once (this process forgets its cached copy)
    me = c.get("/api/v1/auth/me", headers=city.headers("operator")).json()
    assert (me["role"], me["unit_id"]) == ("handler", city.unit_ids["D2"])
    # the unit goes with null for roles that need none, never for a handler
    r = c.patch(f"/api/v1/admin/users/{ids['handler_d1']}", headers=admin,
                json={"unit_code": None})
    assert r.status_code == 422 and "必须属于一个单位" in r.json()["error"]["message"]
    r = c.patch(f"/api/v1/admin/users/{ids['analyst']}", headers=admin, json={"unit_code": "D1"})
    assert r.json()["unit_id"] == city.unit_ids["D1"]
    r = c.patch(f"/api/v1/admin/users/{ids['analyst']}", headers=admin, json={"unit_code": None})
    assert r.status_code == 200 and r.json()["unit_id"] is None
    # a role without a unit becomes a handler only with one
    r = c.patch(f"/api/v1/admin/users/{ids['analyst']}", headers=admin, json={"role": "handler"})
    assert r.status_code == 422
    for bad in ({"role": "superuser"}, {"unit_code": "NOPE"}, {"display_name": ""},
                {"display_name": "   "}, {"password": "x"}):
        r = c.patch(f"/api/v1/admin/users/{ids['analyst']}", headers=admin, json=bad)
        assert r.status_code == 422, (bad, r.text)
    assert c.patch("/api/v1/admin/users/999999", headers=admin,
                   json={"display_name": "x"}).status_code == 404
    assert c.post("/api/v1/admin/users/999999/password", headers=admin,
                  json={"password": NEW_PASSWORD}).status_code == 404
    # administrators only
    assert c.patch(f"/api/v1/admin/users/{ids['analyst']}", headers=city.headers("dispatcher"),
                   json={"display_name": "x"}).status_code == 403
    assert c.post(f"/api/v1/admin/users/{ids['analyst']}/password",
                  headers=city.headers("dispatcher"),
                  json={"password": NEW_PASSWORD}).status_code == 403
    assert c.patch(f"/api/v1/admin/users/{ids['analyst']}",
                   json={"display_name": "x"}).status_code == 401


def test_an_admin_neither_demotes_nor_deactivates_themselves(city: City) -> None:
    c, admin = city.client, city.headers("admin")
    me = _ids(city)["admin"]
    for body in ({"active": False}, {"role": "analyst"}):
        r = c.patch(f"/api/v1/admin/users/{me}", headers=admin, json=body)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["message"] in ("不能停用自己的账号",
                                                "不能修改自己的角色，请由另一位管理员修改")
    # their own password goes through 修改密码, which asks for the current one
    r = c.post(f"/api/v1/admin/users/{me}/password", headers=admin,
               json={"password": NEW_PASSWORD})
    assert r.status_code == 409 and "修改密码" in r.json()["error"]["message"]
    # their display name they may change, and "admin" stays "admin"
    r = c.patch(f"/api/v1/admin/users/{me}", headers=admin,
                json={"display_name": "系统管理员", "role": "admin", "active": True})
    assert r.status_code == 200 and r.json()["role"] == "admin"
    assert _user(city, "admin")["active"] is True


def test_the_last_active_admin_stays_an_admin(city: City) -> None:
    c, admin = city.client, city.headers("admin")
    AdminService(city.runtime.db, city.runtime.rules).add_user(
        "admin2", PASSWORD, "admin", now=utcnow())
    ids = _ids(city)
    # with two, one may demote or deactivate the other …
    r = c.patch(f"/api/v1/admin/users/{ids['admin2']}", headers=admin, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    # … and reactivate them
    r = c.patch(f"/api/v1/admin/users/{ids['admin2']}", headers=admin, json={"active": True})
    assert r.status_code == 200 and r.json()["active"] is True
    r = c.patch(f"/api/v1/admin/users/{ids['admin2']}", headers=admin, json={"role": "analyst"})
    assert r.status_code == 200 and r.json()["role"] == "analyst"
    # now "admin" is the last one: whoever asks (here an administrator whose own account was
    # changed in another process, still cached there) cannot take the last one away
    service = UserService(city.runtime.db, city.runtime.auth)
    stale = CurrentUser(ids["admin2"], "admin2", "admin2", Role.ADMIN, None, frozenset())
    for change in (UserChange(active=False), UserChange(role="operator")):
        with pytest.raises(Conflict, match="至少要保留一位启用的管理员"):
            service.update(ids["admin"], change, by=stale, now=utcnow())
    assert _user(city, "admin")["role"] == "admin" and _user(city, "admin")["active"] is True


def test_two_admins_demoting_each_other_at_once_leave_one(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """On both databases the second change waits for the first (SQLite's write lock, the
    PostgreSQL row locks of the active administrators) and is then refused. Each change
    pauses after reading the administrators until the other has read them too (or 2 s have
    passed): without the locks, both would see two administrators and both would win."""
    AdminService(city.runtime.db, city.runtime.rules).add_user(
        "admin2", PASSWORD, "admin", now=utcnow())
    read_admins = accounts.lock_active_admins
    both_read = threading.Barrier(2, timeout=2)

    def read_then_pause(session: Session) -> list[int]:
        found = read_admins(session)
        with contextlib.suppress(threading.BrokenBarrierError):  # the other waits for our
            both_read.wait()  # locks: go on
        return found

    monkeypatch.setattr(accounts, "lock_active_admins", read_then_pause)
    ids = _ids(city)
    me = {name: CurrentUser(ids[name], name, name, Role.ADMIN, None, frozenset())
          for name in ("admin", "admin2")}

    def demote(rt: Runtime) -> str:
        actor, target = ("admin", "admin2") if rt is city.runtime else ("admin2", "admin")
        try:
            UserService(rt.db, rt.auth).update(ids[target], UserChange(role="analyst"),
                                               by=me[actor], now=utcnow())
            return "changed"
        except Conflict:
            return "refused"

    assert sorted(side_by_side(city.runtime, demote)) == ["changed", "refused"]
    roles = {name: _user(city, name)["role"] for name in ("admin", "admin2")}
    assert sorted(roles.values()) == ["admin", "analyst"]


def test_a_deactivated_user_is_signed_out_everywhere_and_stays_out(city: City) -> None:
    c, admin = city.client, city.headers("admin")
    token = _login_token(city, "handler_d1", PASSWORD)
    assert token and _token_works(city, token)
    browser = _other_device(city)
    assert _page_login(browser, "handler_d1") == 303
    assert _signed_in(browser, "/staff/inbox")
    user_id = _ids(city)["handler_d1"]
    r = c.patch(f"/api/v1/admin/users/{user_id}", headers=admin, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert not _token_works(city, token)
    assert not _signed_in(browser, "/staff/inbox")  # sent to the login page, which says why
    assert "登录已失效：密码已修改或账号已停用，请重新登录" in browser.get("/login").text
    assert not _signed_in(browser, "/staff/inbox")  # said once: now it is just signed out
    assert "登录已失效" not in browser.get("/login").text
    assert _login_token(city, "handler_d1", PASSWORD) is None
    assert _page_login(browser, "handler_d1") == 401
    # the right password learns why; a wrong one learns nothing about the account
    for password, said in ((PASSWORD, "账号已停用，请联系管理员"),
                           ("wrong-pass", "用户名或密码错误")):
        r = c.post("/api/v1/auth/token", json={"username": "handler_d1", "password": password})
        assert r.status_code == 401 and r.json()["error"]["message"] == said, r.text
    # reactivated, the user signs in again; what was issued before stays refused
    assert c.patch(f"/api/v1/admin/users/{user_id}", headers=admin,
                   json={"active": True}).status_code == 200
    assert not _token_works(city, token)
    fresh = _login_token(city, "handler_d1", PASSWORD)
    assert fresh and _token_works(city, fresh)


def test_a_password_reset_ends_the_sessions_issued_before_it(city: City) -> None:
    c, admin = city.client, city.headers("admin")
    token = _login_token(city, "dispatcher", PASSWORD)
    assert token and _token_works(city, token)
    browser = _other_device(city)
    assert _page_login(browser, "dispatcher") == 303 and _signed_in(browser, "/staff/dispatch")
    user_id = _ids(city)["dispatcher"]
    r = c.post(f"/api/v1/admin/users/{user_id}/password", headers=admin, json={"password": "12345"})
    assert r.status_code == 422 and "至少需要 6 位" in r.json()["error"]["message"]
    assert _token_works(city, token)  # a refused reset changes nothing
    r = c.post(f"/api/v1/admin/users/{user_id}/password", headers=admin,
               json={"password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    assert r.json()["credentials_changed_at"] and r.json()["updated_by"] == _ids(city)["admin"]
    assert not _token_works(city, token)
    assert not _signed_in(browser, "/staff/dispatch")
    assert _login_token(city, "dispatcher", PASSWORD) is None
    fresh = _login_token(city, "dispatcher", NEW_PASSWORD)
    assert fresh and _token_works(city, fresh)


def test_a_user_changes_their_own_password_through_the_api(city: City) -> None:
    c = city.client
    old = _login_token(city, "supervisor", PASSWORD)
    assert old
    headers = {"Authorization": f"Bearer {old}"}
    for body, field in (({"current_password": "wrong-one", "new_password": NEW_PASSWORD},
                         "current_password"),
                        ({"current_password": PASSWORD, "new_password": PASSWORD},
                         "new_password"),
                        ({"current_password": PASSWORD, "new_password": "short"},
                         "new_password")):
        r = c.post("/api/v1/auth/password", headers=headers, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == field
        assert PASSWORD not in r.text and NEW_PASSWORD not in r.text
    assert _token_works(city, old)  # nothing changed yet
    assert c.post("/api/v1/auth/password", json={"current_password": PASSWORD,
                                                 "new_password": NEW_PASSWORD}).status_code == 401
    r = c.post("/api/v1/auth/password", headers=headers,
               json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    new = r.json()["access_token"]
    assert r.json()["user"]["username"] == "supervisor"
    assert _token_works(city, new) and not _token_works(city, old)
    assert _login_token(city, "supervisor", PASSWORD) is None
    assert _login_token(city, "supervisor", NEW_PASSWORD)


def test_tokens_from_before_credential_versions_keep_working_until_a_change(
        city: City) -> None:
    """Tokens issued before this release carry no version; they count as version 0."""
    user_id = _ids(city)["followup"]
    old_style = URLSafeTimedSerializer(city.runtime.settings.secret_key,
                                       salt="jiesu-api-token").dumps({"uid": user_id})
    assert _token_works(city, old_style)
    assert city.client.post(f"/api/v1/admin/users/{user_id}/password",
                            headers=city.headers("admin"),
                            json={"password": NEW_PASSWORD}).status_code == 200
    assert not _token_works(city, old_style)


def test_another_process_notices_within_its_cache_time(city: City) -> None:
    """Each process caches a user for `cache_seconds`: another process refuses an outdated
    token once its cache has expired, and accepts a newer token at once."""
    rt = city.runtime
    other = Authenticator(rt.db, rt.settings.secret_key, cache_seconds=3600)
    token, user = rt.auth.login("analyst", PASSWORD)
    assert other.user_from_token(token).id == user.id  # now cached there
    fresh = UserService(rt.db, rt.auth).change_own_password(user.id, PASSWORD, NEW_PASSWORD,
                                                            now=utcnow())
    assert other.user_from_token(token).id == user.id  # within its cache time: still accepted
    assert other.user_from_token(rt.auth.issue(fresh)).id == user.id  # the new one at once
    with pytest.raises(Exception, match="请重新登录"):
        other.user_from_token(token)  # reading the newer token refreshed its cache


# --- the pages -----------------------------------------------------------------------------


def test_a_user_changes_their_own_password_on_the_page_and_stays_signed_in(
        city: City) -> None:
    c = city.client
    assert _page_login(c, "operator") == 303
    home = c.get("/staff/operator").text
    assert 'href="/staff/password"' in home and "修改密码" in home
    page = c.get("/staff/password")
    assert page.status_code == 200
    for field_id in re.findall(r'<input id="([^"]+)"', page.text):
        assert re.search(f'<label[^>]* for="{field_id}"', page.text), field_id
    token = _csrf(page.text)
    elsewhere = _other_device(city)
    assert _page_login(elsewhere, "operator") == 303
    api_token = _login_token(city, "operator", PASSWORD)
    assert api_token
    wrong = [({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
               "new_password_again": NEW_PASSWORD + "x"}, "两次输入的新密码不一致"),
             ({"current_password": "not-it-at-all", "new_password": NEW_PASSWORD,
               "new_password_again": NEW_PASSWORD}, "当前密码不正确"),
             ({"current_password": PASSWORD, "new_password": "abc",
               "new_password_again": "abc"}, "密码至少需要 6 位")]
    for form, message in wrong:
        r = c.post("/staff/password", data=dict(form, csrf_token=token), follow_redirects=True)
        assert message in r.text
        assert 'value="' + NEW_PASSWORD not in r.text and PASSWORD not in r.text
        assert "not-it-at-all" not in r.text
    assert c.post("/staff/password", data={"current_password": PASSWORD,
                                           "new_password": NEW_PASSWORD,
                                           "new_password_again": NEW_PASSWORD}
                  ).status_code == 403  # no CSRF token
    r = c.post("/staff/password", data={"current_password": PASSWORD,
                                        "new_password": NEW_PASSWORD,
                                        "new_password_again": NEW_PASSWORD,
                                        "csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200 and "密码已修改" in r.text
    assert _signed_in(c, "/staff/operator")  # this page stays signed in …
    assert not _signed_in(elsewhere, "/staff/operator")  # … the other device does not
    assert not _token_works(city, api_token)
    assert _page_login(elsewhere, "operator", NEW_PASSWORD) == 303


def test_the_auditor_has_the_password_page_too(city: City) -> None:
    c = city.client
    assert _page_login(c, "auditor") == 303
    assert 'href="/staff/password"' in c.get("/staff/audit").text
    assert c.get("/staff/password").status_code == 200
    c.cookies.clear()
    r = c.get("/staff/password", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_admin_manages_a_user_on_the_page(city: City) -> None:
    c = city.client
    assert _page_login(c, "admin") == 303
    ids = _ids(city)
    listing = c.get("/staff/admin?tab=users").text
    assert f'href="/staff/admin/users/{ids["grid"]}"' in listing and "已停用" not in listing
    page = c.get(f"/staff/admin/users/{ids['grid']}")
    assert page.status_code == 200
    for field_id in re.findall(r'<input id="([^"]+)"', page.text):
        assert re.search(f'<label[^>]* for="{field_id}"', page.text), field_id
    assert 'data-confirm="deactivate"' in page.text  # behind the confirmation
    token = _csrf(page.text)
    url = f"/staff/admin/users/{ids['grid']}"
    # the unit cannot go for a grid worker; the message comes back, nothing changes
    r = c.post(url, data={"display_name": "网格员小李", "role": "grid_worker", "unit_code": "",
                          "csrf_token": token}, follow_redirects=True)
    assert "承办人和网格员必须属于一个单位" in r.text
    assert _user(city, "grid")["display_name"] != "网格员小李"
    r = c.post(url, data={"display_name": "网格员小李", "role": "handler", "unit_code": "D1S1",
                          "csrf_token": token}, follow_redirects=True)
    assert "用户信息已保存" in r.text
    saved = _user(city, "grid")
    assert (saved["display_name"], saved["role"], saved["unit_id"]) == (
        "网格员小李", "handler", city.unit_ids["D1S1"])
    assert 'value="D1S1"' in r.text
    # reset the password: the typed password is never shown again
    r = c.post(f"{url}/password", data={"password": "abc", "csrf_token": token},
               follow_redirects=True)
    assert "密码至少需要 6 位" in r.text
    r = c.post(f"{url}/password", data={"password": NEW_PASSWORD, "csrf_token": token},
               follow_redirects=True)
    assert "密码已重置" in r.text and NEW_PASSWORD not in r.text
    assert _login_token(city, "grid", NEW_PASSWORD)
    # deactivate (after the confirmation), shown as 已停用, then reactivate
    r = c.post(f"{url}/deactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "账号已停用" in r.text and "data-user-status" in r.text and "已停用" in r.text
    assert _user(city, "grid")["active"] is False
    listing = c.get("/staff/admin?tab=users").text
    assert "data-inactive" in listing and "已停用" in listing
    assert _login_token(city, "grid", NEW_PASSWORD) is None
    r = c.post(f"{url}/activate", data={"csrf_token": token}, follow_redirects=True)
    assert "账号已启用" in r.text and _user(city, "grid")["active"] is True
    # the admin's own page offers neither role, deactivation nor reset, and refuses them
    mine = f"/staff/admin/users/{ids['admin']}"
    own = c.get(mine).text
    assert 'name="role"' not in own and "/deactivate" not in own
    assert f'action="{mine}/password"' not in own
    r = c.post(f"{mine}/deactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "不能停用自己的账号" in r.text and _user(city, "admin")["active"] is True
    r = c.post(mine, data={"display_name": "管理员", "role": "analyst", "unit_code": "",
                           "csrf_token": token}, follow_redirects=True)
    assert "不能修改自己的角色" in r.text and _user(city, "admin")["role"] == "admin"
    # an unknown user; another role
    assert c.get("/staff/admin/users/999999").status_code == 404
    c.cookies.clear()
    assert _page_login(c, "analyst") == 303
    assert c.get(url).status_code == 403
    assert c.post(f"{url}/deactivate", data={"csrf_token": _csrf(c.get("/staff/password").text)}
                  ).status_code == 403
    assert _user(city, "grid")["active"] is True


def test_the_user_pages_in_english_have_no_chinese_of_their_own(city: City) -> None:
    c = city.client
    assert _page_login(c, "admin") == 303
    ids = _ids(city)
    han = re.compile(r"[\u4e00-\u9fff]")
    for path in (f"/staff/admin/users/{ids['grid']}", f"/staff/admin/users/{ids['admin']}",
                 "/staff/password"):
        text = c.get(path, params={"lang": "en"}).text
        text = re.sub(r"<title>.*?</title>|<footer.*?</footer>|<header.*?</header>", "", text,
                      flags=re.S)
        text = re.sub(r'value="[^"]*"|<h1>.*?</h1>|<p id="e-unit-hint".*?</p>', "", text,
                      flags=re.S)
        assert not han.search(text), (path, han.findall(text)[:10])



def test_the_command_line_resets_a_password_and_deactivates(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the server, `jiesu user password|deactivate|activate` (an administrator who forgot
    the password, someone who left); the last active administrator still stays."""
    from typer.testing import CliRunner

    from jiesu.cli import app

    monkeypatch.setenv("JIESU_DATABASE_URL", city.runtime.settings.database_url)

    def jiesu(*args: str, typed: str | None = None) -> object:
        return CliRunner().invoke(app, ["user", *args], input=typed)

    old_token = city.headers("operator")
    result = jiesu("password", "operator", typed="new-secret-1\nnew-secret-1\n")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "已重置用户 operator 的密码" in result.output  # type: ignore[attr-defined]
    assert "new-secret-1" not in result.output  # type: ignore[attr-defined]  # hidden
    city.runtime.auth.forget()  # the serving process notices within its 30 s user cache
    assert city.client.get("/api/v1/appeals", headers=old_token).status_code == 401
    r = city.client.post("/api/v1/auth/token",
                         json={"username": "operator", "password": "new-secret-1"})
    assert r.status_code == 200

    # a new user's password need not be typed into the shell's history either
    result = jiesu("add", "auditor2", "--role", "auditor", typed="first-secret\nfirst-secret\n")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "first-secret" not in result.output  # type: ignore[attr-defined]
    r = city.client.post("/api/v1/auth/token",
                         json={"username": "auditor2", "password": "first-secret"})
    assert r.status_code == 200
    result = jiesu("add", "--help")
    assert "grid_worker" in result.output and "auditor" in result.output  # type: ignore[attr-defined]

    result = jiesu("password", "nobody", "--password", "whatever-1")
    assert result.exit_code == 2 and "用户 nobody 不存在" in result.output  # type: ignore[attr-defined]
    result = jiesu("password", "operator", "--password", "123")
    assert result.exit_code == 2 and "至少需要 6 位" in result.output  # type: ignore[attr-defined]

    assert jiesu("deactivate", "operator").exit_code == 0  # type: ignore[attr-defined]
    r = city.client.post("/api/v1/auth/token",
                         json={"username": "operator", "password": "new-secret-1"})
    assert r.status_code == 401
    assert jiesu("activate", "operator").exit_code == 0  # type: ignore[attr-defined]
    r = city.client.post("/api/v1/auth/token",
                         json={"username": "operator", "password": "new-secret-1"})
    assert r.status_code == 200
    result = jiesu("deactivate", "admin")  # the only administrator
    assert result.exit_code == 2 and "至少要保留一位启用的管理员" in result.output  # type: ignore[attr-defined]


def test_the_unit_fields_find_units_by_name_or_code_for_administrators(city: City) -> None:
    """While an administrator types a unit (新增用户, 编辑用户), the page offers the units whose
    name contains, or code starts with, what was typed, each shown where it sits."""
    from tests.integration.test_web_admin_intake import login_admin

    c = city.client
    login_admin(c)

    def found(q: str) -> list[tuple[str, str]]:
        r = c.get("/staff/admin/units/find", params={"q": q})
        assert r.status_code == 200, r.text
        return re.findall(r'<option value="([^"]*)">([^<]*)</option>', r.text)

    assert found("东华") == [("D1S1", "东城区 东华门街道")]
    assert found("d1s") == [("D1S1", "东城区 东华门街道"),
                            ("D1S1C1", "东城区 东华门街道 多福巷社区")]
    assert found("城区") == [("D1", "东城区"), ("D2", "西城区")]
    assert [code for code, _ in found("D")] == ["D1", "D2", "D1S1", "D2S1", "D1S1C1"]  # by level
    assert found("%") == found("_") == found("") == []  # typed text, not a pattern
    page = c.get("/staff/admin?tab=users").text
    assert 'data-unit-find' in page and 'list="n-unit-found"' in page

    other = TestClient(c.app)
    r = other.get("/staff/admin/units/find", params={"q": "东华"}, follow_redirects=False)
    assert r.status_code in (302, 303)  # signed out: to the login page, nothing listed
    assert "东华门街道" not in r.text


def test_an_unknown_username_costs_a_password_check_too(city: City,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing in as nobody takes as long as a wrong password (one Argon2 check), so the time
    does not tell which usernames exist; both say the same."""
    from jiesu.services import auth

    checked: list[str] = []
    real = auth.verify_password

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    for username in ("nobody-here", "operator"):
        r = city.client.post("/api/v1/auth/token",
                             json={"username": username, "password": "wrong-password"})
        assert r.status_code == 401 and r.json()["error"]["message"] == "用户名或密码错误"
    assert len(checked) == 2 and all(h.startswith("$argon2") for h in checked)


def test_a_new_handler_without_a_unit_is_told_so_in_the_pages_words(city: City) -> None:
    """The admin page and the API said 承办人和网格员必须属于一个单位（--unit）: the command
    line's flag, on a page whose field is 所属单位."""
    c = city.client
    assert _page_login(c, "admin") == 303
    token = _csrf(c.get("/staff/admin?tab=users").text)
    r = c.post("/staff/admin/users", data={
        "username": "liufang", "display_name": "刘芳", "password": "long-enough-1",
        "role": "handler", "unit_code": "", "csrf_token": token})
    assert "承办人和网格员必须属于一个单位" in r.text and "--unit" not in r.text, r.text[-3000:]
    c.get("/staff/admin?tab=users&lang=en")  # the language sticks to the session
    english = c.post("/staff/admin/users", data={
        "username": "liufang", "password": "long-enough-1", "role": "handler",
        "csrf_token": token}).text
    assert "Handlers and grid workers must belong to a unit" in english
    assert "--unit" not in english
    api = c.post("/api/v1/admin/users", headers=city.headers("admin"), json={
        "username": "liufang", "password": "long-enough-1", "role": "handler"})
    assert api.status_code == 422 and "--unit" not in api.json()["error"]["message"]
    assert "liufang" not in {u["username"] for u in c.get(
        "/api/v1/admin/users", headers=city.headers("admin")).json()}
