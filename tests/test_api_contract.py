"""Contract tests: schemathesis against the live spec, hypothesis against the write bodies.

Every generated request must get a response that the spec documents (status, content type,
headers, body schema), and never a 5xx. Examples are bounded so the file runs in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kb.api import tokens
from kb.models import User
from kb.uow import unit_of_work

BOUNDED = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


class Isolated:
    """A WSGI wrapper giving every request its own app context (as in production)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self.app.app_context():
            return list(self.app.wsgi_app(environ, start_response))


def _token(user: User) -> str:
    with unit_of_work(index=False):
        _, secret = tokens.create_token(user, "contract", "write", 30)
    return secret


@pytest.fixture
def api_schema(app: Flask, make) -> Any:
    app.config["API_RATE_LIMIT"] = "100000/minute"
    org = make.organisation()
    app.config["CONTRACT_IDS"] = {
        "requests": make.request("KEN").id,
        "programmes": make.programme(org).id,
        "org_id": org.id,
    }
    make.request("KEN", status="draft", visibility="secretariat")
    app.config["CONTRACT_TOKEN"] = _token(make.user("secretariat"))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", Isolated(app))


def _fixed_path(path: str, ids: dict[str, int]) -> dict[str, Any]:
    """Point record operations at existing records, so that they get past the 404."""
    if "{record_id}" in path:
        return {"record_id": ids[path.split("/")[3]]}
    if "{org_id}" in path:
        return {"org_id": ids["org_id"]}
    if "{iso3}" in path:
        return {"iso3": "KEN"}
    return {}


# (schemathesis.pytest.from_fixture needs a private pytest attribute that pytest 9 removed,
# so the operations are walked here, each with its own bounded hypothesis run.)
@pytest.mark.parametrize(
    ("mode", "fixed"),
    [
        (GenerationMode.POSITIVE, True),
        (GenerationMode.NEGATIVE, True),
        (GenerationMode.POSITIVE, False),
    ],
    ids=["positive-existing-ids", "negative-existing-ids", "positive-random-ids"],
)
def test_every_operation_conforms_to_the_spec(api_schema, app, mode, fixed):
    headers = {"Authorization": f"Bearer {app.config['CONTRACT_TOKEN']}"}
    ids = app.config["CONTRACT_IDS"]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @BOUNDED
        @given(
            case=operation.as_strategy(
                generation_mode=mode,
                path_parameters=_fixed_path(operation.path, ids) if fixed else None,
                headers={"If-Match": "*"} if operation.method.upper() == "PATCH" else None,
            )
        )
        def check(case: Any) -> None:
            # Valid-looking ids and codes may still name nothing (404/422): not a defect.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE  # nothing to get wrong (no parameters)


# --- hypothesis: arbitrary JSON bodies for create and update never give a 500 ----------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=60)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "title", "description", "text_language", "themes", "support_types", "languages",
    "visibility", "country_code", "urgency", "target_audience", "timeframe", "organisation_id",
    "eligible_regions", "eligible_countries", "delivery_mode", "cost_model", "start_date",
    "end_date", "application_deadline", "url", "contact_email",
]  # fmt: skip
VALID = {
    "title": "A generated title",
    "description": "A generated description that is long enough to pass.",
    "themes": ["cybercrime"],
    "support_types": ["training"],
    "languages": ["en"],
    "country_code": "KEN",
}
BODIES = st.fixed_dictionaries(
    {},
    optional={
        name: JSON | st.sampled_from(["", "2027-01-01", "KEN", "x" * 300]) for name in FIELDS
    },
).map(lambda overrides: {**VALID, **overrides}) | st.dictionaries(st.text(max_size=10), JSON)


@pytest.fixture
def writer(app: Flask, make) -> dict[str, Any]:
    app.config["API_RATE_LIMIT"] = "100000/minute"
    org = make.organisation()
    return {
        "headers": {"Authorization": f"Bearer {_token(make.user('secretariat'))}"},
        "request": make.request("KEN").id,
        "programme": make.programme(org).id,
        "org": org.id,
    }


@settings(BOUNDED, max_examples=40)
@given(body=BODIES, kind=st.sampled_from(["request", "programme"]))
def test_generated_bodies_never_give_a_server_error(client, writer, body, kind):
    if kind == "programme" and "organisation_id" not in body:
        body = {**body, "organisation_id": writer["org"]}
    headers = writer["headers"]
    created = client.post(f"/api/v1/{kind}s", json=body, headers=headers)
    assert created.status_code in (201, 422), created.get_json()
    url = f"/api/v1/{kind}s/{writer[kind]}"
    etag = client.get(url, headers=headers).headers["ETag"]
    changed = client.patch(url, json=body, headers={**headers, "If-Match": etag})
    assert changed.status_code in (200, 412, 422), changed.get_json()
    action = client.post(f"{url}/actions/return", json=body, headers=headers)
    assert action.status_code < 500, action.get_json()
