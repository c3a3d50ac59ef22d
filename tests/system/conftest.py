"""System tests: example DAGs under real Airflow (dag.test) against the live sandbox."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.conftest import SANDBOX_KEY

if TYPE_CHECKING:
    from airflow_provider_audio.sandbox.server import SandboxServer


@pytest.fixture
def sandbox_connections(sandbox_reset: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """``*_default`` connections of all four services, pointing at the sandbox, as env vars."""
    for service in ("audiostack", "aiozstream", "audiopod", "aimlapi"):
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{service.upper()}_DEFAULT",
            json.dumps(
                {"conn_type": service, "host": sandbox_reset.service_url(service), "password": SANDBOX_KEY}
            ),
        )
    return sandbox_reset
