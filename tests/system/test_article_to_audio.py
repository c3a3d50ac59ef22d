"""article_to_audio under dag.test(): a real DAG run, the deferrable path, the live sandbox."""

from __future__ import annotations

import importlib
import sys
import wave
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


def load_dag(monkeypatch: pytest.MonkeyPatch, output_dir: Path) -> object:
    monkeypatch.setenv("AUDIO_OUTPUT_DIR", f"file://{output_dir}")
    sys.modules.pop("dags_examples.article_to_audio", None)
    return importlib.import_module("dags_examples.article_to_audio").dag


def test_article_is_built_into_a_wav_file(
    airflow_db: Path, sandbox_connections: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dag = load_dag(monkeypatch, tmp_path)
    run = dag.test()  # type: ignore[attr-defined]
    assert run.state == "success"

    files = list(tmp_path.glob("*.wav"))
    assert len(files) == 1, list(tmp_path.iterdir())
    with wave.open(str(files[0])) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    # ~130 words at the sandbox's speaking rate: well over half a minute of audio.
    assert seconds > 30

    stats = requests.get(f"{sandbox_connections.base_url}/_sandbox/stats", timeout=5).json()
    assert stats["requests"]["POST /audiostack/audioforms"] == 1
    assert stats["audioforms"]["built"] == 1
