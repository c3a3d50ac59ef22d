"""Test-wide set-up: an isolated Airflow home (SQLite in a local folder) and the sandbox."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# AUDIO_TEST_AIRFLOW_HOME gives a session its own home (and SQLite file), so that two sessions can
# run side by side without sharing a database.
AIRFLOW_HOME = Path(os.environ.get("AUDIO_TEST_AIRFLOW_HOME") or REPO / ".airflow-test")

# Must be set before anything imports airflow.
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags_examples")
# The examples import their helpers (audio_examples) from the DAGs folder, which Airflow puts on
# sys.path (appended) when it parses a DAG file or runs a task; the tests import them the same way.
if str(REPO / "dags_examples") not in sys.path:
    sys.path.append(str(REPO / "dags_examples"))
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}"
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
# dag.test() runs only DAGs found in a bundle: the examples, and the DAGs that system tests drive.
os.environ["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps(
    [
        {
            "name": "dags-folder",
            "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
            "kwargs": {"path": str(REPO / "dags_examples")},
        },
        {
            "name": "system-test-dags",
            "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
            "kwargs": {"path": str(REPO / "tests" / "system" / "dags")},
        },
        # A bundle of its own: dag.test() parses every file of its DAG's bundle.
        {
            "name": "lineage-test-dags",
            "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
            "kwargs": {"path": str(REPO / "tests" / "system" / "lineage_dags")},
        },
    ]
)

from typing import TYPE_CHECKING, Any  # noqa: E402

import pytest  # noqa: E402

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

SANDBOX_KEY = "sandbox-test-key-7f3a9c"
#: The AIOZ Stream public key the secret key ``SANDBOX_KEY`` goes with.
SANDBOX_AIOZ_PUBLIC_KEY = "sandbox-test-public-2b8e"
#: Headers of a direct AIOZ Stream request to the session sandbox: HTTP Basic public:secret, as the
#: spec declares it (the spec judge checks these requests too).
SANDBOX_AIOZ_HEADERS = {
    "Authorization": "Basic " + base64.b64encode(f"{SANDBOX_AIOZ_PUBLIC_KEY}:{SANDBOX_KEY}".encode()).decode()
}
#: An AIOZ Stream access token (a JWT) the session sandbox accepts as ``Authorization: Bearer``.
SANDBOX_AIOZ_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYW5kYm94LXRlc3QifQ.dGVzdC1zaWduYXR1cmU"


def sandbox_connection(service: str, host: str, **extra: object) -> dict[str, object]:
    """
    An Airflow connection (JSON form) of ``service`` at ``host`` with the session sandbox's keys.

    :param extra: extras besides AIOZ Stream's public key (client limits such as ``max_attempts``).
    """
    if service == "aiozstream":
        extra = {"public_key": SANDBOX_AIOZ_PUBLIC_KEY, **extra}
    connection: dict[str, object] = {"conn_type": service, "host": host, "password": SANDBOX_KEY}
    if extra:
        connection["extra"] = extra
    return connection


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated Airflow metadata database for tests that run DAGs."""
    AIRFLOW_HOME.mkdir(exist_ok=True)
    subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return AIRFLOW_HOME / "airflow.db"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The offline emulator of the four services, on 127.0.0.1, for the whole session."""
    from audio_sandbox.core.server import SandboxServer

    from tests.spec_judging import SPECS

    with SandboxServer(
        api_key=SANDBOX_KEY,
        aioz_public_key=SANDBOX_AIOZ_PUBLIC_KEY,
        aioz_access_token=SANDBOX_AIOZ_TOKEN,
        build_seconds=0.5,
        judge_specs=str(SPECS),
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def _judged_by_the_vendor_specs(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test whose AIOZ Stream or AIML API traffic with the session sandbox leaves the vendors'
    specs fails (see ``tests/spec_judging.py``)."""
    if "sandbox" not in request.fixturenames:
        yield
        return
    from tests.spec_judging import assert_no_new_violations, judge_report

    base_url = request.getfixturevalue("sandbox").base_url
    report = judge_report(base_url)
    if report is None:  # a sandbox a test package starts its own way, without the judge
        yield
        return
    yield
    assert_no_new_violations(base_url, report["violation_count"])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The session's spec-judge totals, for the record."""
    from tests.spec_judging import write_session_totals

    totals = write_session_totals()
    if totals["sandboxes"]:
        checked = (
            ", ".join(f"{count} {service}" for service, count in sorted(totals["checked"].items())) or "no"
        )
        terminalreporter.write_line(
            f"vendor specs judged {checked} exchanges on {totals['sandboxes']} sandbox(es): "
            f"{totals['violation_count']} violation(s); routes the specs do not describe: "
            f"{totals['undescribed'] or 'none'}"
        )


@pytest.fixture
def sandbox_reset(sandbox: SandboxServer) -> SandboxServer:
    """The session sandbox with no jobs, counters or faults left from earlier tests."""
    import requests

    requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5).raise_for_status()
    return sandbox


@pytest.fixture
def sandbox_connections(sandbox_reset: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """``*_default`` connections of all four services, pointing at the sandbox, as env vars."""
    for service in ("audiostack", "aiozstream", "audiopod", "aimlapi"):
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{service.upper()}_DEFAULT",
            json.dumps(sandbox_connection(service, sandbox_reset.service_url(service))),
        )
    return sandbox_reset
