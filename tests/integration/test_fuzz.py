"""Property-based fuzzing of every REST operation (schemathesis over the served OpenAPI document),
against the running functions host and the emulators, signed in as a test user (an admin for the
/v1/admin/ paths): every secured request carries a real ID token, so the examples reach validation
and the use cases (that no token is a 401 everywhere is tests/unit/test_rest_routing.py's).

Each operation gets `POSITIVE` examples valid per the document and `NEGATIVE` ones that violate it
(fewer for operations that call the model). Positive examples use, half of the time, the caller's
own uid for `userId` and the ids of real resources made beforehand (a session with a turn, a library
image, a preset, a public project, a reference photo, an identity), so that they reach the use
cases rather than only their 403s and 404s.
The run is derandomized (the same examples on every machine) and never shrinks; every failure of every
operation is collected and reported together. Checks:

- no 5xx (`not_a_server_error`);
- every error is JSON `{"error": {"status", "message"}}` (`error_body_shape`, below);
- a request the document says is invalid is refused (`negative_data_rejection`);
- the status is documented, the content type and the body match the document
  (`status_code_conformance`, `content_type_conformance`, `response_schema_conformance`).

Not checked: that every request valid per the document is accepted (`positive_data_acceptance`):
the use cases validate beyond what a schema can say (a reference must name an existing image of
the caller's, the bytes of a file must decode as an image, a prompt must not be blank), and they
answer those with a 400 naming the field.

The figures (operations, examples, statuses, 5xx) go to test-artifacts/fuzz-summary.json and are
printed; the README's "Reliability and security" section quotes them.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import time
from collections import Counter
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from devtools.stack import ROOT, Stack
from tests.integration.helpers import new_session, png_bytes, send
from tests.support.clients import ApiClient

POSITIVE = int(os.environ.get("FUZZ_POSITIVE", "8"))
NEGATIVE = int(os.environ.get("FUZZ_NEGATIVE", "8"))
MODEL_CALL_EXAMPLES = int(os.environ.get("FUZZ_MODEL_CALL", "4"))  # per mode, for x-model-call operations
# FUZZ_RANDOM=1 explores new examples on each run (a bug hunt, not CI: CI runs the same ones every time).
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"
ACTING_FOR = {"userId", "user_id"}
SUMMARY = ROOT / "test-artifacts" / "fuzz-summary.json"


@schemathesis.check
def error_body_shape(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> bool:
    """Every error answers JSON with `error.status` and `error.message` (strings)."""
    if response.status_code < 400:
        return True
    try:
        error = json.loads(response.content or b"")["error"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError(
            f"error {response.status_code} without a JSON error body: {response.text[:200]!r}") from None
    assert isinstance(error, dict), error
    assert isinstance(error.get("status"), str) and error["status"], error
    assert isinstance(error.get("message"), str) and error["message"], error
    return True


CHECKS = [
    schemathesis.checks.not_a_server_error,
    error_body_shape,
    negative_data_rejection,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _resources(user: ApiClient, admin: ApiClient) -> dict[str, str]:
    """Real things for path parameters to name: one of each kind, owned by `user`."""
    session_id = new_session(user)
    turn_id = send(user, session_id, "a red square")["id"]
    files = {"file": ("fuzz.png", png_bytes(), "image/png")}
    library = user.rest("POST", "/api/library", files=files).json()["image"]["id"]
    preset = user.rest("POST", "/api/presets", json={"name": "Fuzz", "text": "warmer"}).json()["preset"]["id"]
    project = user.rest("POST", f"/api/chat/sessions/{session_id}/project", json={}).json()["project"]
    user.rest("PATCH", f"/api/projects/{project['id']}", json={"visibility": "public"}).raise_for_status()
    reference = user.rest("POST", "/api/v1/reference-images", files=files).json()["id"]
    identity = admin.rest("POST", "/api/v1/admin/identities", json={"name": "Fuzz"}).json()["id"]
    return {"sid": session_id, "tid": turn_id, "library": library, "preset": preset, "project": project["id"],
            "slug": project["slug"], "uid": str(user.uid), "rid": reference, "identity": identity}


def _without_security(document: dict[str, Any]) -> dict[str, Any]:
    """The document without its security requirements: the fuzzer sends a real ID token itself, and
    would otherwise spend most negative examples on dropping it (a 401 before any validation;
    tests/unit/test_rest_routing.py proves every path refuses an anonymous caller)."""
    stripped = copy.deepcopy(document)
    stripped.pop("security", None)
    for item in stripped["paths"].values():
        for operation in item.values():
            operation.pop("security", None)
    return stripped


def _real(path: str, name: str, ids: dict[str, str]) -> str:
    if name == "pid":
        return ids["project" if path.startswith("/api/projects/") else "preset"]
    if name == "iid":
        return ids["identity" if "/identities/" in path else "library"]
    return ids[name]


METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}


def _order(operation: Any) -> tuple[int, int, str]:
    """Reads first (while the resources are as made), deletions last and the deepest first (a turn
    before its session), so that the others find the resources."""
    method = operation.method.upper()
    return (METHOD_ORDER[method], -len(operation.path) if method == "DELETE" else 0, operation.path)


class Run:
    """What the fuzzing saw: examples per operation and mode, statuses, failures per operation."""

    def __init__(self, base_url: str, ids: dict[str, str]) -> None:
        self.base_url = base_url
        self.ids = ids
        self.http = requests.Session()
        self.statuses: Counter[int] = Counter()
        self.failures: dict[str, list[str]] = {}
        self.tried: dict[str, Counter[str]] = {}

    def fuzz(self, operation: Any, client: ApiClient, secured: bool, mode: GenerationMode, examples: int) -> None:
        label = f"{operation.method.upper()} {operation.path}"
        tried = self.tried.setdefault(label, Counter())
        headers = {"Authorization": f"Bearer {client.id_token}"} if secured else {}

        @settings(max_examples=examples, deadline=None, derandomize=DERANDOMIZE, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
        @given(case=operation.as_strategy(generation_mode=mode), use_real_ids=st.booleans())
        def run(case: schemathesis.Case, use_real_ids: bool) -> None:
            if use_real_ids and mode.is_positive:
                if case.path_parameters:
                    case.path_parameters = {name: _real(case.path, name, self.ids) for name in case.path_parameters}
                for name in ACTING_FOR & set(case.query or {}):  # oneself, not a random other user (a 403)
                    case.query[name] = client.uid
            tried[mode.value] += 1
            try:
                response = case.call_and_validate(base_url=self.base_url, session=self.http, headers=headers,
                                                  checks=CHECKS)
                self.statuses[response.status_code] += 1
                tried[str(response.status_code)] += 1
            except FailureGroup as group:
                self.statuses[int(getattr(group.exceptions[0], "status_code", 0) or 0)] += 1
                self.failures.setdefault(label, []).extend(_describe(case, failure) for failure in group.exceptions)

        with contextlib.suppress(hypothesis.errors.Unsatisfiable):  # nothing to negate in some operations
            run()

    def summary(self, seconds: float) -> dict[str, Any]:
        return {
            "operations": len(self.tried),
            "examples": sum(counts["positive"] + counts["negative"] for counts in self.tried.values()),
            "positive": sum(counts["positive"] for counts in self.tried.values()),
            "operations_with_a_2xx": sum(1 for counts in self.tried.values() if counts.keys() & {"200", "204"}),
            "negative": sum(counts["negative"] for counts in self.tried.values()),
            "server_errors": sum(count for status, count in self.statuses.items() if status >= 500),
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "failures": sum(len(found) for found in self.failures.values()),
            "seconds": round(seconds, 1),
            "settings": {"positive": POSITIVE, "negative": NEGATIVE, "model_call": MODEL_CALL_EXAMPLES},
            # examples per mode and statuses answered, per operation
            "per_operation": {label: dict(counts) for label, counts in sorted(self.tried.items())},
            "failure_details": {label: sorted(set(found)) for label, found in sorted(self.failures.items())},
        }


def test_every_operation_survives_fuzzing(stack: Stack, user: ApiClient, admin: ApiClient) -> None:
    document = requests.get(f"{stack.api_url}/api/openapi.json", timeout=30).json()
    secured = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method, op in item.items()
               if op.get("security", document["security"])}
    schema = schemathesis.openapi.from_dict(_without_security(document))
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    documented = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
    run = Run(stack.api_url, _resources(user, admin))
    started = time.monotonic()
    for operation in operations:
        client = admin if operation.path.startswith("/api/v1/admin/") else user
        model_call = bool(operation.definition.raw.get("x-model-call"))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            examples = MODEL_CALL_EXAMPLES if model_call else (POSITIVE if mode.is_positive else NEGATIVE)
            label = f"{operation.method.upper()} {operation.path}"
            run.fuzz(operation, client, label in secured, mode, examples)

    summary = run.summary(time.monotonic() - started)
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nfuzz: {summary['operations']} operations, {summary['examples']} examples "
          f"({summary['positive']} positive, {summary['negative']} negative), {summary['server_errors']} 5xx, "
          f"{summary['failures']} failures, {summary['operations_with_a_2xx']} operations answered 2xx, "
          f"statuses {summary['statuses']}, {summary['seconds']} s")
    assert not run.failures, _report(run.failures)
    assert documented == set(run.tried), "operations not fuzzed"


def _describe(case: schemathesis.Case, failure: Failure) -> str:
    title = getattr(failure, "title", type(failure).__name__)
    message = str(getattr(failure, "message", failure)).strip().replace("\n", " | ")[:400]
    request = f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]!r}"
    return f"{title}: {message}\n      {request}"


def _report(failures: dict[str, list[str]]) -> str:
    lines = [f"{sum(len(found) for found in failures.values())} failures in {len(failures)} operations:"]
    for label, found in sorted(failures.items()):
        lines.append(f"  {label}")
        lines.extend(f"    - {item}" for item in dict.fromkeys(found))  # repeated ones once
    return "\n".join(lines)



def _typed_properties(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, str]:
    """The integer and boolean properties of a body schema (through $ref and `anyOf [X, null]`)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    found = {}
    for name, prop in schema.get("properties", {}).items():
        types = {prop.get("type")} | {option.get("type") for option in prop.get("anyOf", [])}
        for kind in ("integer", "boolean"):
            if kind in types:
                found[name] = kind
    return found


def test_numbers_and_booleans_sent_as_text_are_refused_naming_the_field(stack: Stack, user: ApiClient) -> None:
    """Every integer or boolean of every JSON body, sent as text ("1", "true") or a boolean as 1: a
    400 naming the field (the values schemathesis' negative examples do not try)."""
    document = requests.get(f"{stack.api_url}/api/openapi.json", timeout=30).json()
    components = document["components"]["schemas"]
    tried = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            url = path.replace("{", "x").replace("}", "")  # any id: the body is parsed before it is used
            for name, kind in _typed_properties(body["schema"], components).items():
                for wrong in (["1"] if kind == "integer" else ["true", 1]):
                    response = user.rest(method.upper(), url, json={name: wrong})
                    tried += 1
                    assert response.status_code == 400, (method, path, name, wrong, response.text)
                    assert name in response.text, (method, path, name, response.text)
    assert tried >= 4  # historyTurns (create, update), imageOnly (send) at least
