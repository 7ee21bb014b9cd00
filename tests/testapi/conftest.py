"""An `app` with the test API switched on (testing + CLICKAR_TEST_API_TOKEN)."""
from __future__ import annotations

import pytest
from app_support import close_app, make_app
from testapi_support import TOKEN


@pytest.fixture
def app(database_url, smtp):
    app = make_app(database_url, smtp.port, TEST_API_TOKEN=TOKEN)
    smtp.clear()
    yield app
    close_app(app)


@pytest.fixture
def api(client):
    """The test API as a tester's run calls it: JSON and a bearer token, no CSRF token."""

    class Api:
        headers = {"Authorization": f"Bearer {TOKEN}"}

        def post(self, path, body):
            return client.post(f"/_test/api{path}", json=body, headers=self.headers)

        def get(self, path, **query):
            return client.get(f"/_test/api{path}", query_string=query, headers=self.headers)

    return Api()
