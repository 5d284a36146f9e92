"""The OpenAPI schema drives the API with generated input (schemathesis): whatever the values (ids
of 2**70, dates of year 0 or 9999, NaN, NUL bytes, huge strings), no answer is a 500 and every
answer is JSON. Every operation of the schema is covered, so a new endpoint is the day it appears.

Bounded: a few examples per operation, deadline off; a coordinator's token, so writes are reached.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from pimm.accounts.services import api_token_create
from pimm.api import api

MAX_EXAMPLES = 6


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI app, which closes database connections at the end of a
    request: that would close the test's transaction on PostgreSQL. Django's test client unhooks
    the same handler for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(world):
    _token, raw = api_token_create(user=world.users["coordinator"], name="fuzz")
    return {"Authorization": f"Bearer {raw}"}


# the schema as ninja builds it (no request, no database needed at collection)
# (through JSON, as /api/openapi.json serves it: titles are lazy translations)
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/"), cls=DjangoJSONEncoder))
)
schema.app = get_wsgi_application()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_gives_a_500_and_every_answer_is_json(case, bearer):
    response = case.call(headers=bearer)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    if response.status_code != 204:
        content_type = next(
            (v[0] for k, v in response.headers.items() if k.lower() == "content-type"), ""
        )
        assert content_type.startswith("application/json"), (
            case.method,
            case.formatted_path,
            response.status_code,
            response.text[:300],
        )
