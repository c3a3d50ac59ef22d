"""Fixtures for unit tests: connections that point at hosts only mocks answer."""

from __future__ import annotations

import json

import pytest

UNIT_KEY = "unit-secret-key-4d2e91"
AUDIOSTACK_TEST_URL = "https://audiostack.test"


@pytest.fixture
def audiostack_conn(monkeypatch: pytest.MonkeyPatch) -> str:
    """An ``audiostack_default`` connection whose host only mocks answer."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_AUDIOSTACK_DEFAULT",
        json.dumps({"conn_type": "audiostack", "host": AUDIOSTACK_TEST_URL, "password": UNIT_KEY}),
    )
    return "audiostack_default"
