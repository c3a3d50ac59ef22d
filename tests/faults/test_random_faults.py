"""
Random faults across a whole run: the article pipeline on all three sample articles against a
sandbox of its own whose fault dice are seeded, with every task allowed retries as a deployment
would (``default_args={"retries": 3}``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from audio_sandbox.core.server import SandboxServer
from audio_sandbox.core.settings import Settings

from tests.conftest import SANDBOX_AIOZ_PUBLIC_KEY, SANDBOX_KEY, sandbox_connection
from tests.faults.helpers import (
    QUICK_TIMERS,
    FaultSandbox,
    RetryLog,
    assert_created,
    assert_no_partial_files,
    assert_published_as_delivered,
    load_dag,
    task_states,
    xcoms_of,
)
from tests.spec_judging import SPECS, assert_no_new_violations

SEED = 20261117
RATES = {"fault_5xx_rate": 0.1, "fault_429_rate": 0.05, "fault_drop_rate": 0.05}
NO_FAULTS = dict.fromkeys(RATES, 0.0)
ARTICLES = 3


@pytest.fixture
def seeded(airflow_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FaultSandbox]:
    """A sandbox of this test's own, fault dice seeded, 429s asking for half a second."""
    settings = Settings(port=0).replace(
        api_key=SANDBOX_KEY,
        aioz_public_key=SANDBOX_AIOZ_PUBLIC_KEY,
        seed=SEED,
        retry_after=0.5,
        judge_specs=str(SPECS),
        **QUICK_TIMERS,
    )
    with SandboxServer(settings) as server:
        for service in ("audiostack", "aiozstream", "audiopod", "aimlapi"):
            connection = sandbox_connection(service, server.service_url(service))
            monkeypatch.setenv(f"AIRFLOW_CONN_{service.upper()}_DEFAULT", json.dumps(connection))
        monkeypatch.setenv("AUDIO_STORAGE_URL", f"file://{tmp_path}/storage")
        monkeypatch.setenv("AUDIO_POLL_SECONDS", "0.3")
        yield FaultSandbox(server, monkeypatch, tmp_path)


def test_random_faults_across_a_whole_run_publish_every_article_once_and_whole(seeded: FaultSandbox) -> None:
    retries = RetryLog()
    logger = logging.getLogger("airflow_provider_audio")
    logger.addHandler(retries)
    seeded.patch(**RATES)
    try:
        # The sandbox's injected faults never act on the request they hit, so a resent submit
        # pays once; the created counts below prove it.
        run = load_dag("article_to_stream", retries=3, on_lost_submit="resubmit").test()
    finally:
        seeded.patch(**NO_FAULTS)  # the checks below read from the sandbox's own routes
        logger.removeHandler(retries)

    stats = seeded.stats()
    assert run.state == "success", task_states(run)
    # The dice did hit: calls were retried by the client or the triggers (not a fault-free run).
    assert [m for m in retries.messages if "failed" in m], "no fault was injected"
    # One build per article; every AIOZ media but those a retry removed was completed once.
    assert_created(stats, audioforms=ARTICLES)
    assert stats["aioz"]["created"] - stats["aioz"]["deleted"] == ARTICLES
    assert stats["aioz"]["completed"] == stats["aioz"]["done"] == ARTICLES
    assert_published_as_delivered(seeded, run, articles=ARTICLES)
    assert_no_partial_files(seeded.tmp_path / "storage")
    assert len(xcoms_of(run, "publish.report")[0].splitlines()) == 2 + ARTICLES
    assert_no_new_violations(seeded.server.base_url, before=0)
