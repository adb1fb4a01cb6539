"""Accessibility walk: every distinct page template, as the public (in Chinese on a phone and in
English at a desk) and as each staff role, checked in the browser with one evaluation per page
(`CHECK`): names of form controls, buttons, links and images; the page's language, one <h1>, a
<main> and headings that skip no level; data tables named, with scoped header cells; choices
grouped under a name; links of one text in a table or list leading to one place; messages
announced (role alert/status) and refused fields marked (aria-invalid, aria-describedby); text
contrast of at least 4.5:1; a visible focus. A failure names the page and the element."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser

PHONE = "13700009911"
FIRM_PHONE = "13700009922"

# One evaluation per page; the argument is the language the page should declare. It returns
# the problems as "kind: element" lines (an element: tag#id, [name=…] or .class and its text).
CHECK = """(wantLang) => {
  const bad = [];
  // the forms folded into <details> (an appeal's actions, confirmations) are checked too
  for (const d of document.querySelectorAll('details')) d.open = true;
  const txt = e => (e && e.textContent || '').replace(/\\s+/g, ' ').trim();
  const who = e => {
    let s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    else if (e.getAttribute('name')) s += `[name="${e.getAttribute('name')}"]`;
    else if (typeof e.className === 'string' && e.className.trim())
      s += '.' + e.className.trim().split(/\\s+/).join('.');
    const t = txt(e).slice(0, 24);
    return t ? `${s} "${t}"` : s;
  };
  const say = (kind, e, more) => bad.push(`${kind}: ${who(e)}${more ? ' ' + more : ''}`);
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const byIds = ids => (ids || '').split(/\\s+/).filter(Boolean)
    .map(i => document.getElementById(i));

  // the page
  if (document.documentElement.lang !== wantLang)
    bad.push(`lang: <html lang="${document.documentElement.lang}">, not ${wantLang}`);
  const h1s = document.querySelectorAll('h1').length;
  if (h1s !== 1) bad.push(`h1: ${h1s} <h1> on the page`);
  if (document.querySelectorAll('main').length !== 1) bad.push('main: not one <main>');
  const zoom = document.querySelector('meta[name=viewport]');
  if (zoom && /user-scalable\\s*=\\s*(no|0)|maximum-scale\\s*=\\s*1(\\.0*)?\\b/.test(zoom.content))
    bad.push(`zoom: the viewport stops zooming (${zoom.content})`);
  const ids = new Map();
  for (const e of document.querySelectorAll('[id]')) ids.set(e.id, (ids.get(e.id) || 0) + 1);
  for (const [id, n] of ids) if (n > 1) bad.push(`duplicate id: #${id} (${n} times)`);
  for (const e of document.querySelectorAll('label[for]'))
    if (!document.getElementById(e.htmlFor)) say('label for no element', e, '#' + e.htmlFor);
  // a link to the page in the other language reads its name in that language
  for (const e of document.querySelectorAll('a[hreflang]'))
    if (e.lang !== e.hreflang) say('link in another language without lang', e);

  // names
  const named = e => {
    if (byIds(e.getAttribute('aria-labelledby')).some(r => txt(r))) return true;
    if ((e.getAttribute('aria-label') || '').trim()) return true;
    if (e.labels && [...e.labels].some(l => txt(l))) return true;
    if (e.tagName === 'BUTTON' || e.tagName === 'A')
      return !!txt(e) || [...e.querySelectorAll('img[alt]')].some(i => i.alt.trim());
    if (e.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(e.type))
      return !!e.value.trim();
    return !!(e.title || '').trim();
  };
  for (const e of document.querySelectorAll(
      'input:not([type=hidden]), select, textarea, button, a[href], summary')) {
    if (!shown(e) && !e.classList.contains('skip')) continue;
    if (e.tagName === 'SUMMARY' ? !txt(e) : !named(e)) say('no name', e);
  }
  for (const e of document.querySelectorAll('img:not([alt])')) say('img without alt', e);
  for (const e of document.querySelectorAll('svg')) {
    if (e.parentElement.closest('svg') || e.closest('[aria-hidden="true"]')) continue;
    if (!(e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
          || e.querySelector(':scope > title'))) say('svg without a name or aria-hidden', e);
  }

  // choices of one name (radio buttons, check boxes) are a group with a name of its own: a
  // fieldset's legend, or role="radiogroup"/"group" named by aria-label(ledby)
  const groups = new Map();
  for (const e of document.querySelectorAll('input[type=radio], input[type=checkbox]')) {
    if (!e.name) continue;
    if (!shown(e)) continue;
    const k = `${e.form ? [...document.forms].indexOf(e.form) : -1} ${e.name}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(e);
  }
  for (const [, es] of groups) {
    if (es.length < 2) continue;
    const grouped = es[0].closest('fieldset, [role=radiogroup], [role=group]');
    const ok = grouped && es.every(e => grouped.contains(e)) && (grouped.tagName === 'FIELDSET'
      ? txt(grouped.querySelector(':scope > legend')) || named(grouped) : named(grouped));
    if (!ok) say('choices without a group name', es[0]);
  }

  // the outline: a heading is at most one level below the one before it
  let level = 0;
  for (const e of document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')) {
    if (!shown(e) || e.closest('[aria-hidden="true"]')) continue;
    const l = e.getAttribute('role') === 'heading' ? Number(e.getAttribute('aria-level') || 2)
      : Number(e.tagName[1]);
    if (level && l > level + 1) say('heading skips a level', e, `(h${level} → h${l})`);
    level = l;
  }

  // data tables: a name (caption, aria-label(ledby)) and header cells with their scope (or
  // named by the cells' headers=); a table only for layout says role="presentation"
  const headed = new Set([...document.querySelectorAll('td[headers], th[headers]')]
    .flatMap(c => c.getAttribute('headers').split(/\\s+/)));
  for (const t of document.querySelectorAll('table')) {
    if (['presentation', 'none'].includes(t.getAttribute('role'))) continue;
    if (!(txt(t.caption) || named(t))) say('table without a name', t);
    const heads = t.querySelectorAll('th');
    if (!heads.length) say('table without header cells', t);
    for (const h of heads)
      if (!['col', 'row', 'colgroup', 'rowgroup'].includes(h.getAttribute('scope'))
          && !(h.id && headed.has(h.id))) say('header cell without scope', h);
  }

  // links of one text in one table or list lead to one place, or say which they are
  const linkName = e => byIds(e.getAttribute('aria-labelledby')).map(txt).join(' ').trim()
    || (e.getAttribute('aria-label') || '').trim() || txt(e);
  const targets = new Map();
  for (const e of document.querySelectorAll('table a[href], ul a[href], ol a[href]')) {
    if (!shown(e)) continue;
    const k = [e.closest('table, ul, ol'), linkName(e)];
    const key = [...targets.keys()].find(([c, n]) => c === k[0] && n === k[1]) || k;
    if (!targets.has(key)) targets.set(key, []);
    targets.get(key).push(e);
  }
  for (const [, es] of targets) {
    const hrefs = [...new Set(es.map(e => e.getAttribute('href')))];
    if (hrefs.length > 1) {
      const e = es.find(x => x.getAttribute('href') !== hrefs[0]);
      say('same link text, other targets', e, `${hrefs[1]} (also ${hrefs[0]})`);
    }
  }

  // messages and refused fields
  for (const e of document.querySelectorAll('.flash')) {
    const want = e.classList.contains('flash-error') ? 'alert' : 'status';
    if (e.getAttribute('role') !== want) say(`message not role="${want}"`, e);
  }
  for (const e of document.querySelectorAll('[aria-describedby]')) {
    for (const [i, r] of byIds(e.getAttribute('aria-describedby')).entries())
      if (!r) say('aria-describedby names no element', e,
                  e.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean)[i]);
  }
  for (const e of document.querySelectorAll('[aria-invalid="true"]')) {
    if (!byIds(e.getAttribute('aria-describedby')).some(r => r && txt(r)))
      say('refused field not described by its message', e);
  }
  for (const e of document.querySelectorAll('.invalid')) {
    if (!e.querySelector('[aria-invalid="true"]')) say('refused field without aria-invalid', e);
  }

  // contrast of text an element holds itself
  const rgba = s => {
    const m = s.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]))
    .concat([1]);
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const behind = new Map();
  const background = e => {  // the colour behind e, or null over an image
    if (!behind.has(e)) behind.set(e, backgroundOf(e));
    return behind.get(e);
  };
  const backgroundOf = e => {
    const layers = [];
    for (let n = e; n; n = n.parentElement) {
      const cs = getComputedStyle(n);
      if (cs.backgroundImage !== 'none') return null;
      const c = rgba(cs.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const seen = new Set();
  for (const e of document.body.querySelectorAll('*')) {
    if (!e.firstChild || ['SCRIPT', 'STYLE', 'OPTION', 'OPTGROUP', 'SELECT', 'TEMPLATE',
                          'NOSCRIPT', 'TEXTAREA'].includes(e.tagName)) continue;
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (e.closest('[disabled], .sr, svg') || !shown(e)) continue;
    const cs = getComputedStyle(e);
    const bg = background(e);
    let fg = rgba(cs.color);
    if (!bg || !fg) continue;
    let alpha = fg[3];
    for (let n = e; n; n = n.parentElement) alpha *= Number(getComputedStyle(n).opacity);
    fg = over([fg[0], fg[1], fg[2], alpha], bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) {
      const key = `${cs.color}|${bg}|${e.className}`;
      if (!seen.has(key)) {
        seen.add(key);
        const behind = `rgb(${bg.slice(0, 3).map(Math.round)})`;
        say('contrast', e, `${ratio.toFixed(2)}:1 ${cs.color} on ${behind}`);
      }
    }
  }

  // a visible focus: each control shows an outline or a shadow once focused
  const before = document.activeElement;
  let tried = 0;
  for (const e of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (tried >= 60 || !shown(e) || e.disabled) continue;
    tried++;
    e.focus({preventScroll: true});
    if (document.activeElement !== e) continue;
    const cs = getComputedStyle(e);
    const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0)
      || cs.boxShadow !== 'none';
    if (!ring) { say('focus not visible', e); continue; }
    // the ring (drawn around the element) stands out from what is around it: 3:1 (WCAG 1.4.11)
    const color = rgba(cs.outlineStyle !== 'none' ? cs.outlineColor : cs.boxShadow);
    const around = background(e.parentElement || e);
    if (color && around) {
      const [hi, lo] = [lum(over(color, around)), lum(around)].sort((a, b) => b - a);
      if ((hi + 0.05) / (lo + 0.05) < 3) say('focus ring faint', e, `${cs.outlineColor}`);
    }
  }
  if (before && before.focus) before.focus({preventScroll: true});
  else document.activeElement.blur();
  return bad;
}"""


@dataclass
class Seeded:
    appeal_id: int
    code: str
    survey: str
    item: int
    enterprise_id: int
    uscc: str
    policy_id: int
    user_id: int


def _seed(server: Server) -> Seeded:
    """One replied appeal of 西长安街街道 with a survey link (track, board, survey and appeal
    pages), a service item (its rating page and poster), an enterprise and a published policy
    for it (the enterprise's pages); codes of their own, apart from the other tests'."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.domain.enterprise import uscc_check_char
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.services.feedback import FeedbackService
    from jiesu.services.policy_inputs import EnterpriseInput, PolicyInput
    from jiesu.store import lookups

    uscc = "91110102MA0A11YQ7"
    uscc += uscc_check_char(uscc)
    with as_admin(server) as (rt, units, admin):
        now = utcnow()
        with rt.db.uow(write=False) as uow:
            ids = {u.username: u.id for u in lookups.all_users(uow.session)}
            scope = uow.units.subtree_ids(units["D2"])
        operator = Actor(role=Role.OPERATOR, user_id=ids["operator"])
        handler = Actor(role=Role.HANDLER, user_id=ids["handler_d2"], unit_id=units["D2"],
                        unit_scope=scope)
        reg = rt.appeals.register(operator, NewAppeal(
            kind="help", title="公交站棚漏雨", requester_phone=PHONE,
            content="西长安街公交站的站棚下雨漏水，候车的老人被淋湿。"), now)
        for actor, action, args in (
                (Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"]), "dispatch",
                 {"unit_id": units["D2S1"]}),
                (handler, "sign", {}),
                (handler, "reply", {"text": "已联系公交公司修补站棚。", "claim": "solved"})):
            rt.appeals.act(actor, reg.appeal_id, action, now, args)
        feedback = FeedbackService(rt.db, rt.rules, rt.settings)
        survey = feedback.create_survey(Actor(role=Role.FOLLOWUP_AGENT, user_id=ids["followup"]),
                                        reg.appeal_id, now)
        item = feedback.add_service_item(admin, "W", "W-A11Y-1", "用水报装", now)
        firm = rt.policies.save_enterprise(admin, EnterpriseInput(
            uscc=uscc, name="长安无障碍科技有限公司", industry="I65", employees=12, revenue=300,
            region_unit_id=units["D2"], contact_phone=FIRM_PHONE), now)
        policy = rt.policies.save_policy(admin, PolicyInput(
            code="A11Y-1", title="小微软件企业房租补贴", issuer_unit_id=units["D2"],
            mode="apply", benefit="房租的 30%，最高 5 万元",
            conditions=[{"field": "size", "op": "in", "value": ["small", "micro"]}]), now)
        rt.policies.publish(admin, policy.id, now)
    return Seeded(reg.appeal_id, reg.code, survey.token, item, firm.id, uscc, policy.id,
                  ids["operator"])


def _sign_in(v: Visitor, username: str) -> None:
    """Sign in through the login form's request, not its page (Visitor.login loads the login
    page and the role's home: twice the time, nine times over); the context keeps the cookie."""
    from tests.support.city import PASSWORD

    request = v.page.context.request  # type: ignore[attr-defined]
    form = request.get(v.server.base_url + "/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, form
    r = request.post(v.server.base_url + "/login", max_redirects=0, form={
        "username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    assert r.status == 303, (username, r.status)


def _walk(v: Visitor, paths: list[str], lang: str, problems: list[str]) -> None:
    for path in paths:
        v.goto(path)
        _check(v, path, lang, problems)


def _check(v: Visitor, where: str, lang: str, problems: list[str]) -> None:
    want = "en" if lang == "en" else "zh-CN"
    for line in v.page.evaluate(CHECK, want):  # type: ignore[attr-defined]
        problems.append(f"{v.name} {where}: {line}")


def _public(v: Visitor, s: Seeded, lang: str, problems: list[str]) -> None:
    page = v.page
    _walk(v, ["/", "/board", f"/board/{s.code}", "/board/rectifications", "/stats",
              "/stats/rankings", f"/survey/{s.survey}", f"/rate/item/{s.item}", "/login",
              "/board/0000000000000"], lang, problems)
    # a refused submission: the phone field is marked and described by its message
    _walk(v, ["/submit"], lang, problems)
    page.locator("input[name=kind]").first.check()  # type: ignore[attr-defined]
    page.locator("#content").fill("路灯坏了")  # type: ignore[attr-defined]
    page.locator("#requester_phone").fill("12")  # type: ignore[attr-defined]
    page.locator("form[action='/submit'] button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.locator("[aria-invalid=true]").count() == 1, "no refused field on /submit"  # type: ignore[attr-defined]
    _check(v, "/submit (refused)", lang, problems)
    # the tracking page, once the phone is proved; a wrong phone first (its message)
    _walk(v, [f"/track?code={s.code}"], lang, problems)
    page.locator("#phone").fill("13700000000")  # type: ignore[attr-defined]
    page.locator("form[action='/track'] button").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    _check(v, "/track (refused)", lang, problems)
    page.locator("#phone").fill(PHONE)  # type: ignore[attr-defined]
    page.locator("form[action='/track'] button").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"/track/\d+"))  # type: ignore[attr-defined]
    _check(v, f"/track/{s.code}", lang, problems)
    # the enterprise's policies
    _walk(v, ["/enterprise"], lang, problems)
    page.locator("form.form input[name=uscc]").fill(s.uscc)  # type: ignore[attr-defined]
    page.locator("form.form input[name=phone]").fill(FIRM_PHONE)  # type: ignore[attr-defined]
    page.locator("form.form button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/enterprise/policies")  # type: ignore[attr-defined]
    _check(v, "/enterprise/policies", lang, problems)


STAFF: dict[str, Callable[[Seeded], list[str]]] = {
    "auditor": lambda s: ["/staff/audit"],
    "operator": lambda s: ["/staff/operator", "/staff/knowledge", "/staff/knowledge/new",
                           "/staff/password"],
    "dispatcher": lambda s: ["/staff/dispatch", "/staff/dispatch?tab=extensions",
                             "/staff/hotspots", f"/staff/appeals/{s.appeal_id}"],
    "handler_d2": lambda s: ["/staff/inbox", "/staff/rectifications", "/staff/unit-kpi",
                             "/staff/ledger", "/staff/policies", f"/staff/appeals/{s.appeal_id}"],
    "grid": lambda s: ["/staff/grid"],
    "followup": lambda s: ["/staff/followup", "/staff/rectifications?tab=reported"],
    "supervisor": lambda s: ["/staff/supervision", "/reports/monthly?month=2026-01"],
    "analyst": lambda s: ["/staff/dashboard", "/staff/dashboard?tab=intensity",
                          "/staff/dashboard?big=1", "/staff/enterprises",
                          f"/staff/enterprises/{s.enterprise_id}"],
    # the admin page's tabs with forms of their own kinds (a tree, rows, selects, numbers)
    "admin": lambda s: [f"/staff/admin?tab={t}"
                        for t in ("units", "items", "intake", "settings")] + [
        f"/staff/admin/users/{s.user_id}", f"/staff/admin/service-items/{s.item}/poster",
        "/staff/extensions", f"/staff/policies/{s.policy_id}", "/staff/policies/new",
        "/staff/audit/config"],
}


# One element of each kind of problem CHECK knows, and one of each done right.
BAD_PAGE = """<!doctype html><html lang="en"><head><style>
.pale { color: #999; } .quiet:focus { outline: none; } .faint:focus { outline: 3px solid #f5b041; }
</style></head><body>
<h1>One</h1><h1>Two</h1>
<meta name="viewport" content="width=device-width, maximum-scale=1">
<label for="ok-field">Name</label><input id="ok-field"><label for="gone">Gone</label>
<p id="twice">a</p><p id="twice">b</p><a href="/zh" hreflang="zh-CN">中文</a>
<input id="nameless"><select name="pick"><option>1</option></select>
<button type="button"></button><a href="/x"><span class="icon"></span></a>
<img src="data:,"><svg width="10" height="10"></svg>
<div class="flash flash-error">wrong</div><div class="flash flash-ok" role="status">fine</div>
<div class="field invalid"><label for="refused">Phone</label>
  <input id="refused" aria-invalid="true" aria-describedby="nowhere"></div>
<div class="invalid"><label>Code <input name="code"></label></div>
<p class="pale">pale text</p><a class="quiet" href="/y">quiet link</a>
<p><a class="faint" href="/z">faint ring</a></p>
<h3>Skipped a level</h3><h2>Fine</h2><h3>Fine</h3><h2>Back up</h2>
<table><tr><td>Unnamed</td><td>1</td></tr></table>
<table aria-label="Named"><thead><tr><th>No scope</th></tr></thead><tr><td>1</td></tr></table>
<table><caption>Good</caption><tr><th scope="col">Head</th></tr><tr><td>1</td></tr></table>
<table role="presentation"><tr><td>layout</td></tr></table>
<ul><li><a href="/a/1">Details</a></li><li><a href="/a/2">Details</a></li></ul>
<ul><li><a href="/b/1" aria-label="Details of one">Details</a></li>
  <li><a href="/b/2">Details<span class="sr"> of two</span></a></li></ul>
<label><input type="radio" name="loose" value="1"> One</label>
<label><input type="radio" name="loose" value="2"> Two</label>
<fieldset><legend>Grouped</legend><label><input type="radio" name="grouped" value="1"> One</label>
  <label><input type="radio" name="grouped" value="2"> Two</label></fieldset>
</body></html>"""


def test_the_check_finds_each_kind_of_problem(browser: object) -> None:
    ctx = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = ctx.new_page()
        page.set_content(BAD_PAGE)
        found = page.evaluate(CHECK, "zh-CN")
    finally:
        ctx.close()
    kinds = [line.split(": ")[0] for line in found]
    assert 'lang: <html lang="en">, not zh-CN' in found
    assert "h1: 2 <h1> on the page" in found and "main: not one <main>" in found
    assert sorted(k for k in kinds if k == "no name") == ["no name"] * 4, found  # input,
    # select, empty button, icon link; not the labelled field
    assert not any("ok-field" in line for line in found), found
    for kind in ("img without alt", "svg without a name or aria-hidden",
                 'message not role="alert"', "aria-describedby names no element",
                 "refused field not described by its message",
                 "refused field without aria-invalid", "zoom", "duplicate id",
                 "label for no element", "link in another language without lang",
                 "focus not visible", "focus ring faint"):
        assert kind in kinds, (kind, found)
    assert any(line.startswith("contrast: p.pale") for line in found), found
    assert not any("flash-ok" in line for line in found), found
    # the outline: only the h3 straight after the h1s; going back up a level is no skip
    assert [k for k in kinds if k.startswith("heading")] == ["heading skips a level"], found
    assert any(line.startswith('heading skips a level: h3 "Skipped a level"') for line in found)
    # data tables: the unnamed one without header cells, the named one's header without scope;
    # not the table with a caption and scope, nor the layout table
    assert [line for line in found if line.startswith("table")] == [
        'table without a name: table "Unnamed1"',
        'table without header cells: table "Unnamed1"'], found
    assert [line for line in found if line.startswith("header cell")] == [
        'header cell without scope: th "No scope"'], found
    # the same link text for two targets in one list, unless each says which
    assert [line for line in found if line.startswith("same link text")] == [
        'same link text, other targets: a "Details" /a/2 (also /a/1)'], found
    # choices of one name are grouped under a name of their own (a fieldset's legend)
    assert [line for line in found if line.startswith("choices")] == [
        'choices without a group name: input[name="loose"]'], found


def test_every_page_is_accessible(visitor: Callable[..., Visitor], server: Server) -> None:
    s = _seed(server)
    problems: list[str] = []
    for lang in ("zh", "en"):
        # the Chinese public pages on a phone (390×844: the tables stacked as cards, the menu
        # folded), the English ones at a desk
        resident = visitor(f"public-{lang}", phone=lang == "zh")
        resident.goto(f"/?lang={lang}")
        _public(resident, s, lang, problems)
    for username, paths in STAFF.items():
        staff = visitor(username)
        _sign_in(staff, username)
        _walk(staff, paths(s), "zh", problems)
    # and a few staff pages in English (the last, the administrator, switches)
    _walk(staff, ["/staff/admin?tab=users&lang=en", f"/staff/appeals/{s.appeal_id}"], "en",
          problems)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
