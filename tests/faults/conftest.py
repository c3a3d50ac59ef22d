"""
Fault-injection suite: example pipelines under ``dag.test()`` against the sandbox with its fault knobs.

Every test starts from a reset sandbox with quick timers and leaves the knobs as it found them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from audio_examples.articles import SAMPLE_ARTICLES
from tests.faults.helpers import QUICK_TIMERS, FaultSandbox, TaskErrors

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

#: The shortest sample article (about 26 s of narration): one article keeps a pipeline run short.
ONE_ARTICLE = "2026-11-19-ferry-timetable.json"


@pytest.fixture
def faults(
    airflow_db: Path,
    sandbox_connections: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[FaultSandbox]:
    """
    The reset sandbox with quick timers, connections to it, shared storage in ``tmp_path``.

    The knobs changed here or by the test are restored and pending faults cleared afterwards.
    """
    monkeypatch.setenv("AUDIO_STORAGE_URL", f"file://{tmp_path}/storage")
    monkeypatch.setenv("AUDIO_OUTPUT_DIR", f"file://{tmp_path}/audio")
    monkeypatch.setenv("AUDIO_POLL_SECONDS", "0.3")
    sandbox = FaultSandbox(sandbox_connections, monkeypatch, tmp_path)
    before = sandbox.settings()
    sandbox.patch(**QUICK_TIMERS)
    try:
        yield sandbox
    finally:
        sandbox.clear_faults()
        sandbox.patch(**{knob: before[knob] for knob in (*QUICK_TIMERS, *sandbox.touched)})


@pytest.fixture
def one_article(tmp_path: Path) -> Path:
    """A feed folder holding one sample article."""
    feed = tmp_path / "feed"
    feed.mkdir()
    shutil.copy(SAMPLE_ARTICLES / ONE_ARTICLE, feed / ONE_ARTICLE)
    return feed


@pytest.fixture
def errors() -> TaskErrors:
    """The errors the test's tasks fail with (wired in by ``load_dag`` / ``run_operator``)."""
    return TaskErrors()
