"""The API does what its OpenAPI schema says: schemathesis generates requests for every
operation of /api/schema/ (valid ones, and invalid ones the API must refuse) and checks each
answer against the schema, through the WSGI app (no server, no network).

Bounded and reproducible: a fixed number of examples per operation and generation mode,
derandomised, no shrinking (the first failing example of each operation is reported with the
call that reproduces it). Run time: about a minute.
"""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData, Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from agents.models import Agent, Department

pytestmark = pytest.mark.usefixtures("postgres")

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
]

# Rules the API enforces that JSON Schema cannot state: a schema-valid request refused with
# only these messages is the API being right, not the schema being wrong.
SEMANTIC_RULES = {
    r"^Unknown (department|agent) ": "a code or id that does not exist (the schema cannot list live ones)",
    r"^occurred_at is (implausibly old|in the future)": "dates before 2000 or after tomorrow (no date bounds)",
    r"^since must be on or before until": "a period that ends before it starts (no relation between fields)",
    r"^A phone number has 6 to 15 digits": "E.164 counts digits, not the separators around them",
    r"^(Please remove the invisible control characters|Null characters are not allowed)": (
        "C0/C1 control characters and NUL in free text (no JSON Schema character class for them)"
    ),
    r"^Delivery by (email|SMS) needs customer": "a delivery method needing a contact field (a relation between fields)",
    r"^(The receiver|The URL|Enter a|Could not|Cannot|No address|.*(private|loopback|resolve|scheme|host))": (
        "a webhook receiver must be a reachable public http(s) URL (checked by DNS)"
    ),
}
# The bulk endpoint answers 200 with a result per item, invalid items included (the contract),
# so an invalid item is not a rejected request.
PER_ITEM_RESULTS = {"POST /api/v1/interactions/bulk/"}


def messages(errors) -> list[str]:
    """Every message in a DRF error body, however nested."""
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in messages(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in messages(value)]
    return [str(errors)]


def tolerated(operation, failure, response) -> bool:
    if isinstance(failure, RejectedPositiveData) and response.status_code == 400:
        found = messages(response.json())
        return bool(found) and all(any(re.match(rule, m) for rule in SEMANTIC_RULES) for m in found)
    return isinstance(failure, AcceptedNegativeData) and operation.label in PER_ITEM_RESULTS


@pytest.fixture
def wsgi_app(settings):
    """The project's WSGI app inside the test's transaction: Django closes the connection
    around each request unless told otherwise (as its own test client does)."""
    settings.ALLOWED_HOSTS = ["*"]
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def some_data(db):
    billing = Department.objects.create(code="billing", name="Billing")
    Agent.objects.create(external_id="a-017", name="Budi Santoso", department=billing)


def takes_input(operation) -> bool:
    """Whether there is anything to make invalid (a list without parameters has nothing)."""
    return bool(len(operation.query) or len(operation.path_parameters) or len(operation.body))


def fuzz(operation, mode: GenerationMode, *, headers: dict, failures: dict[str, str]) -> int:
    """Run one operation's examples in one generation mode; the number of calls made."""
    calls = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        nonlocal calls
        calls += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as error:
            for failure in getattr(error, "exceptions", [error]):
                if tolerated(operation, failure, response):
                    continue
                # The first example of each kind of failure per operation, with its reproduction.
                failures.setdefault(f"{operation.label} [{mode.value}] {failure.title}", str(error))

    run()
    return calls


def test_every_operation_answers_as_its_schema_says(wsgi_app, api_key, some_data):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    headers = {"Authorization": f"Token {api_key}"}
    failures: dict[str, str] = {}

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7, [op.label for op in operations]
    calls = sum(
        fuzz(operation, mode, headers=headers, failures=failures)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if mode == GenerationMode.POSITIVE or takes_input(operation)
    )

    print(f"schemathesis: {len(operations)} operations, {calls} calls, {len(failures)} failing")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in sorted(failures.items()))
