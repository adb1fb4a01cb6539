"""Schemathesis over every REST operation, as an administrator, and over the appeal and
follow-up operations as the roles that use them: whatever the input, the answer is never a 5xx
(bad input is a 4xx with a message), and it is what /openapi.json says: a documented status
with a body of the documented schema. Runs on SQLite and PostgreSQL.

`JIESU_FUZZ_EXAMPLES` sets the examples per operation and database (default 13). Each database
draws its own, from a fixed seed so that CI is repeatable: together about 25 different requests
per operation, at half the time of sending the same 25 to both (the administrator's 114
operations took about a minute a database). A larger number, or the schemathesis CLI
against `jiesu demo`, digs deeper.
"""

from __future__ import annotations

import itertools
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiesu.api.v1.appeals import ACTIONS
from tests.support.city import City
from tests.support.fuzz import server_error

EXAMPLES = int(os.environ.get("JIESU_FUZZ_EXAMPLES", "13"))
SEEDS = {"sqlite": 12345, "postgresql": 2026}  # each database its own examples
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]


def _off_schema(case: schemathesis.Case, response: object) -> str | None:
    """None when the answer is what the schema documents; else what differs."""
    try:
        case.validate_response(response, checks=CONFORMANCE)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - schemathesis raises a group of failures
        return f"off schema: {str(exc)[:400]}"
    return None


# the operations each role is fuzzed on (the administrator: all of them), and which appeal
# the {appeal_id} of a generated request is pointed at, so that the actions run on a real
# appeal in a state where the role can act
ROLES = {"admin": ("/", "registered"), "dispatcher": ("/api/v1/appeals", "registered"),
         "handler_d1": ("/api/v1/appeals", "dispatched"),
         "followup": ("/api/v1/feedback", "replied")}


@pytest.mark.parametrize("role", list(ROLES))
def test_no_operation_answers_with_a_server_error(city: City, role: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", city.client.app)
    headers = city.headers(role)
    prefix, state = ROLES[role]
    backend = "sqlite" if city.runtime.settings.database_url.startswith("sqlite") else "postgresql"
    appeal = city.register()  # something for the reads to find
    if state != "registered":
        city.act("dispatcher", appeal["id"], "dispatch", unit_code="D1")
    if state == "replied":
        city.act("handler_d1", appeal["id"], "sign")
        city.act("handler_d1", appeal["id"], "reply", text="已修复", claim="solved")
    actions = itertools.cycle(ACTIONS)
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(prefix):
            continue

        @seed(SEEDS[backend])
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case: schemathesis.Case) -> None:
            if case.path_parameters and "appeal_id" in case.path_parameters:
                case.path_parameters["appeal_id"] = appeal["id"]
            if case.path_parameters and "action" in case.path_parameters:
                case.path_parameters["action"] = next(actions)  # an unknown one is only a 404
            answer = None

            def send() -> object:
                nonlocal answer
                answer = case.call(headers=headers)
                return answer

            error = server_error(send) or _off_schema(case, answer)
            if error:
                failures.append(f"{case.operation.label}: {error}\n  {case.as_curl_command()}")

        call()
        tried += 1
    assert tried > (60 if prefix == "/" else 2)  # the operations were found, not a few
    assert not failures, "\n".join(failures[:20])
