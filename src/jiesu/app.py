"""create_app(settings): the ASGI application (REST API, Open311, web pages)."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from jiesu.api import errors
from jiesu.api.v1 import admin, admin_intake, appeals, auth, feedback, hotspots, intake, stats
from jiesu.config import Settings
from jiesu.domain.errors import DomainError
from jiesu.nlp import pii
from jiesu.runtime import Runtime
from jiesu.store.db import DatabaseError, missing_database, ping
from jiesu.store.migrate import missing_migrations

log = logging.getLogger("jiesu")


def _job_loop(runtime: Runtime, stop: threading.Event, schema_current: bool = True) -> None:
    from jiesu.jobs.sweeper import run_all
    from jiesu.services.clock import utcnow

    if schema_current:  # else the start said why in one line; searching builds it later
        _warm_knowledge(runtime)
    interval = runtime.settings.sweep_interval_seconds
    while not stop.wait(interval):
        try:
            run_all(runtime, utcnow(), audit=False)
        except Exception:  # keep the loop alive; the next pass retries
            log.exception("periodic jobs failed")


def _warm_knowledge(runtime: Runtime) -> None:
    """Build the knowledge index before the first search needs it. A database that does not
    answer is one line in the log (it printed a page of traceback at every start during an
    outage); searching builds the index later."""
    try:
        runtime.knowledge.warm()
    except (DatabaseError, DomainError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.warning("the knowledge index was not built at startup (%s); searching builds it",
                    reason)
    except Exception:
        log.exception("building the knowledge index at startup failed")


def _audit_loop(runtime: Runtime, stop: threading.Event) -> None:
    """The periodic audit check, in a thread of its own: at a few hundred million events its
    walk takes hours, which the deadline warnings must not wait for."""
    from jiesu.jobs.sweeper import audit_check
    from jiesu.services.clock import utcnow

    interval = runtime.settings.sweep_interval_seconds
    while not stop.wait(interval):
        try:
            audit_check(runtime, utcnow())
        except Exception:  # keep the loop alive; the next pass retries
            log.exception("audit check failed")


def _schema_current(runtime: Runtime) -> bool:
    """Whether the database has every migration of this version; a warning in the log when it
    lacks some (every page would fail on the missing tables and columns). A database that does
    not answer now is left to /readyz."""
    try:
        with runtime.db.uow(write=False) as uow:
            missing = missing_migrations(uow.session.connection())
    except (DatabaseError, DomainError):
        return False
    if missing:
        log.warning("the database lacks %d migrations of this version (%s): run "
                    "`jiesu db upgrade`; until then pages fail and /readyz answers 503",
                    len(missing), ", ".join(missing[:3]))
    return not missing


def create_app(settings: Settings | None = None, *, run_jobs: bool = False,
               runtime: Runtime | None = None) -> FastAPI:
    """Build the app. `run_jobs` starts the periodic jobs (`jiesu-jobs`) and the audit check
    (`jiesu-audit`) in background threads of their own."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime.create(settings)
        app.state.runtime = rt
        app.state.schema_current = _schema_current(rt)
        # Handlers doing blocking database work run in this many threads per process. Python
        # runs one thread at a time: a few threads keep the cores busy while others wait on the
        # database; dozens only take turns on the GIL (slower, with a longer latency tail).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        # What exists now (modules, models, compiled statements, the runtime) lives as long as
        # the process: frozen, it is no longer walked by every full garbage collection — those
        # walks were a source of the registration latency tail.
        pii.prepare()  # the name detector's word list: 0.2 s, not in the first registration
        gc.collect()
        gc.freeze()
        stop = threading.Event()
        workers = []
        if run_jobs:
            workers = [
                threading.Thread(target=_job_loop, args=(rt, stop, app.state.schema_current),
                                 daemon=True, name="jiesu-jobs"),
                threading.Thread(target=_audit_loop, args=(rt, stop), daemon=True,
                                 name="jiesu-audit")]
            for worker in workers:
                worker.start()
        try:
            yield
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=5)
            if runtime is None:
                rt.close()

    app = FastAPI(
        title="jiesu 接诉即办 API",
        version="0.1.0",
        description="12345 政务服务便民热线诉求办理平台 REST API",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(auth.router)
    app.include_router(appeals.router)
    app.include_router(admin.router)
    app.include_router(admin_intake.router)
    app.include_router(intake.router)
    app.include_router(stats.router)
    app.include_router(hotspots.router)
    app.include_router(feedback.router)
    app.include_router(feedback.survey_router)
    from jiesu.api.v1 import policies

    for policy_router in policies.routers:
        app.include_router(policy_router)
    from jiesu.api.v1 import knowledge

    app.include_router(knowledge.router)
    from jiesu.api.v1 import notifications

    app.include_router(notifications.router)
    from jiesu.api.v1 import audit

    app.include_router(audit.router)
    from jiesu.api.v1 import grid

    app.include_router(grid.router)
    from jiesu.api.open311.routes import router as open311_router
    from jiesu.api.v1 import exports

    app.include_router(open311_router)
    app.include_router(exports.router)
    app.include_router(exports.public)
    app.include_router(exports.keys_router)
    from jiesu.web.report_pages import router as report_pages_router

    app.include_router(report_pages_router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (it does not look at the database)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> JSONResponse:
        """Readiness, for a load balancer: 200 when this process can read the database, 503
        (and the reason in the log) when it cannot, so traffic goes to the other processes.
        Until the schema has been seen current, it is checked too (`jiesu db upgrade`)."""
        state = request.app.state
        missing: list[str] = []
        try:
            with state.runtime.db.uow(write=False) as uow:
                if state.schema_current:
                    ping(uow.session)
                else:
                    missing = missing_migrations(uow.session.connection())
                    state.schema_current = not missing
        except (DatabaseError, DomainError) as exc:
            name = missing_database(exc)
            if name is not None:  # an outage would pass; this wants an administrator
                log.warning('not ready: the database "%s" does not exist (JIESU_DATABASE_URL)',
                            name)
            else:
                log.warning("not ready: the database did not answer: %s", exc)
            return JSONResponse({"status": "unavailable", "database": "unreachable"},
                                status_code=503)
        if missing:
            log.warning("not ready: the database lacks %d migrations of this version (%s): "
                        "run `jiesu db upgrade`", len(missing), ", ".join(missing[:3]))
            return JSONResponse({"status": "unavailable", "database": "schema not current"},
                                status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    # Web pages last: `/` is the public home; HTML error pages outside /api (jiesu.web).
    from jiesu.web import mount as mount_web

    mount_web(app, runtime.settings if runtime is not None else settings)
    return app


def serve_app() -> FastAPI:
    """uvicorn factory for `jiesu serve` (settings from the environment, jobs on)."""
    return create_app(run_jobs=True)


def serve_app_without_jobs() -> FastAPI:
    return create_app(run_jobs=False)
