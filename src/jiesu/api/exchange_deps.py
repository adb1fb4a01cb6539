"""Per-process services of the data-exchange feature, kept on the Runtime (no module globals)."""

from __future__ import annotations

from typing import Any

from jiesu.runtime import Runtime
from jiesu.services.api_keys import ApiKeyService
from jiesu.services.open311 import Open311Service
from jiesu.services.open_data import OpenDataService


def _cached(runtime: Runtime, key: str, make: Any) -> Any:
    service = runtime.extras.get(key)
    if service is None:
        service = runtime.extras[key] = make()
    return service


def api_keys(runtime: Runtime) -> ApiKeyService:
    """One ApiKeyService per process so that its token buckets see every request."""
    service: ApiKeyService = _cached(runtime, "exchange.api_keys",
                                     lambda: ApiKeyService(runtime.db))
    return service


def open311(runtime: Runtime) -> Open311Service:
    service: Open311Service = _cached(runtime, "exchange.open311", lambda: Open311Service(
        runtime.db, runtime.appeals, api_keys(runtime), runtime.settings.tz,
        runtime.settings.city_name, runtime.settings.published_statuses))
    return service


def open_data(runtime: Runtime) -> OpenDataService:
    service: OpenDataService = _cached(runtime, "exchange.open_data",
                                       lambda: OpenDataService(runtime.db, runtime.settings.tz,
                                                               runtime.settings.published_statuses))
    return service
