"""Browser tests: a real jiesu server (uvicorn in a thread of the test process, fresh SQLite
database with the test city) driven by Debian's headless Chromium through Playwright.

Every page is screenshotted at 1366×768 and 390×844 into test-artifacts/screenshots/ (or
$JIESU_SCREENSHOTS). A page that requests any host other than the jiesu server fails the test.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("JIESU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("JIESU_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    host: str
    db_url: str
    runtime: Any  # the app's (`jiesu.runtime.Runtime`): it runs in this process


@contextmanager
def as_admin(server: Server) -> Iterator[tuple[Any, dict[str, int], Any]]:
    """The test city's runtime on the server's database, its unit ids by code and the
    administrator as an actor: for a story to set up what an administrator would."""
    from jiesu.config import Settings
    from jiesu.domain.appeal import Actor, Role
    from jiesu.runtime import Runtime
    from jiesu.store import lookups

    rt = Runtime.create(Settings(database_url=server.db_url, environment="test"))
    try:
        with rt.db.uow(write=False) as uow:
            units = {u.code: u.id for u in lookups.all_units(uow.session)}
            admin_id = next(u.id for u in lookups.all_users(uow.session) if u.role == "admin")
        yield rt, units, Actor(role=Role.ADMIN, user_id=admin_id)
    finally:
        rt.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from jiesu.config import Settings
    from jiesu.runtime import Runtime
    from jiesu.services.clock import utcnow
    from jiesu.services.intake_config import IntakeConfigService
    from jiesu.store.migrate import upgrade
    from tests.support.city import make_city

    tmp = tmp_path_factory.mktemp("browser")
    db_url = f"sqlite:///{tmp / 'jiesu.db'}"
    upgrade(db_url)
    rt = Runtime.create(Settings(database_url=db_url, environment="test",
                                 model_dir=tmp / "models"))
    try:
        make_city(rt, None)  # type: ignore[arg-type]  # the city needs no HTTP client here
        IntakeConfigService(rt.db).replace_gazetteer(  # addresses are located (所属区域)
            "code,name,level,parent_code\nD1,东城区,district,\nD1S1,东华门街道,street,D1\n"
            "D2,西城区,district,\nD2S1,西长安街街道,street,D2\n", now=utcnow())
    finally:
        rt.close()
    import uvicorn

    from jiesu.app import create_app

    # The app runs in this process (a uvicorn thread), so that a fixture can reach its runtime:
    # `fresh_figures` empties the figures it keeps for a minute before every test.
    settings = Settings(database_url=db_url, environment="test", upload_dir=tmp / "uploads",
                        model_dir=tmp / "models", secret_key="browser-test-secret-0123456789",
                        # every test's browser submits from 127.0.0.1 to this one server, often
                        # with the same phone: the public form's flooding limit is tested on its
                        # own (test_submit_limit)
                        submit_per_phone=0, submit_per_address=0)
    app_rt = Runtime.create(settings)
    port = _free_port()
    web = uvicorn.Server(uvicorn.Config(create_app(settings, runtime=app_rt), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=web.run, daemon=True, name="jiesu-browser-server")
    thread.start()
    try:
        # importing jiesu's pages took 22 s on a loaded 2-core machine (load 10): wait for a
        # server that is still starting, fail at once for one that stopped
        deadline = time.monotonic() + 120
        while not web.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("jiesu server did not start (see the captured log)")
            time.sleep(0.05)
        yield Server(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", db_url, app_rt)
    finally:
        web.should_exit = True
        thread.join(timeout=10)
        app_rt.close()


@pytest.fixture(autouse=True)
def fresh_figures(request: pytest.FixtureRequest) -> None:
    """Every browser test starts with a server that keeps no figures: the dashboard, the
    public statistics and the reports are kept a minute per process (`Runtime.figures`), so
    a test that opened one before another seeded its appeals would show it the old ones."""
    if "server" in request.fixturenames:
        forget_figures(request.getfixturevalue("server"))


def forget_figures(server: Server) -> None:
    """Empty the figures the server keeps (what `fresh_figures` does before every test)."""
    server.runtime.figures.clear()


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Visitor:
    """One person's browser context: its page, the foreign requests it tried, its JS errors."""

    page: object
    server: Server
    name: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.server.base_url + path)  # type: ignore[attr-defined]

    def shot(self, name: str) -> None:
        """Screenshot the current page at desktop and phone size; neither may scroll sideways."""
        page = self.page
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        current = page.viewport_size  # type: ignore[attr-defined]
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)  # type: ignore[attr-defined]
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"),  # type: ignore[attr-defined]
                            full_page=True)
            # wide content scrolls inside its own box; the page itself never scrolls sideways
            width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
            assert width <= size["width"], (
                f"{name}: the page is {width} px wide at {label} size ({size['width']} px)")
        page.set_viewport_size(current)  # type: ignore[attr-defined]

    def login(self, username: str, password: str = "test-pass-123") -> None:
        page = self.page
        self.goto("/login")
        page.get_by_label("用户名").fill(username)  # type: ignore[attr-defined]
        page.get_by_label("密码").fill(password)  # type: ignore[attr-defined]
        page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
        page.wait_for_load_state()  # type: ignore[attr-defined]


@pytest.fixture
def visitor(browser: object, server: Server) -> Iterator[Callable[..., Visitor]]:
    """Open a fresh browser context per person; fail if any page reached another host."""
    contexts: list[tuple[object, Visitor]] = []

    def open_as(name: str, *, phone: bool = False) -> Visitor:
        ctx = browser.new_context(  # type: ignore[attr-defined]
            viewport=PHONE if phone else DESKTOP, locale="zh-CN",
            is_mobile=phone, has_touch=phone)
        page = ctx.new_page()
        v = Visitor(page, server, name)

        def guard(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != server.host:
                v.foreign.append(url)
                route.abort()  # type: ignore[attr-defined]
            else:
                route.continue_()  # type: ignore[attr-defined]

        ctx.route("**/*", guard)  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: v.errors.append(str(exc)))
        page.on("console", lambda msg: v.errors.append(msg.text) if msg.type == "error"
                and "Failed to load resource" not in msg.text else None)
        contexts.append((ctx, v))
        return v

    yield open_as
    problems = []
    for ctx, v in contexts:
        ctx.close()  # type: ignore[attr-defined]
        if v.foreign:
            problems.append(f"{v.name} requested other hosts: {v.foreign}")
        if v.errors:
            problems.append(f"{v.name} had JavaScript errors: {v.errors}")
    assert not problems, "\n".join(problems)
