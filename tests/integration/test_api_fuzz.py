"""Schemathesis over every REST operation, as an administrator: whatever the input, the answer
is never a 5xx (bad input is a 4xx with a message). Runs on SQLite and PostgreSQL.

`JIESU_FUZZ_EXAMPLES` sets the examples per operation (default 25, derandomised so that CI is
repeatable); a larger number, or the schemathesis CLI against `jiesu demo`, digs deeper.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.support.city import City

EXAMPLES = int(os.environ.get("JIESU_FUZZ_EXAMPLES", "25"))


def test_no_operation_answers_with_a_server_error(city: City) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", city.client.app)
    headers = city.headers("admin")
    city.register()  # something for the reads to find
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case: schemathesis.Case) -> None:
            try:
                status = case.call(headers=headers).status_code
            except Exception as exc:  # the test client re-raises what the app did not catch
                status, what = 500, f"{type(exc).__name__}: {exc}"
            else:
                what = str(status)
            if status >= 500:
                failures.append(f"{case.operation.label}: {what}\n  {case.as_curl_command()}")

        call()
        tried += 1
    assert tried > 60  # every operation of the API, not a few
    assert not failures, "\n".join(failures[:20])
