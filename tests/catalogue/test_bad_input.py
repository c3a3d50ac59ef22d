"""The bad-input catalogue: each malformed input fails before any billed call, naming its field."""

from __future__ import annotations

import importlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_audio.exceptions import AudioInputError
from tests.catalogue.cases import CASES, Case
from tests.catalogue.render import DOC, render
from tests.system.conftest import sandbox_stats

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


def operator_class(path: str) -> type[Any]:
    module, _, name = path.rpartition(".")
    cls: type[Any] = getattr(importlib.import_module(module), name)
    return cls


def materialise(value: Any, tmp_path: Path) -> Any:
    """Replace the placeholders with real files and values."""
    if isinstance(value, dict):
        return {key: materialise(item, tmp_path) for key, item in value.items()}
    if isinstance(value, list):
        return [materialise(item, tmp_path) for item in value]
    if value == "SAMPLE_WAV":
        return str(
            Path(__file__).resolve().parents[2]
            / "dags_examples"
            / "data"
            / "voice_samples"
            / "narrator-take1.wav"
        )
    if value == "EMPTY_FILE":
        (tmp_path / "empty.wav").write_bytes(b"")
        return str(tmp_path / "empty.wav")
    if value == "TEXT_FILE":
        (tmp_path / "notes.mp3").write_bytes(b"plain text, not audio")
        return str(tmp_path / "notes.mp3")
    if value == "MISSING_FILE":
        return str(tmp_path / "missing.wav")
    if value == "UNDER_A_FILE":
        (tmp_path / "notes.txt").write_text("a file, not a folder")
        return str(tmp_path / "notes.txt" / "audio.wav")
    if value == "OUTPUT_FILE":
        return str(tmp_path / "out" / "audio.mp3")
    if value == "NAIVE_DATETIME":
        return datetime(2030, 1, 1)
    return value


def test_the_catalogue_holds_at_least_40_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


def sandbox_route(read: str) -> str:
    """How the sandbox counts an AudioStack route (``GET /speech/voice`` -> ``GET /audiostack/speech/voice``)."""
    method, _, route = read.partition(" ")
    return f"{method} /audiostack{route}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fails_before_any_call_naming_the_field(
    case: Case, sandbox_connections: SandboxServer, tmp_path: Path
) -> None:
    kwargs = materialise(case.kwargs, tmp_path)
    cls = operator_class(case.operator)
    with pytest.raises(AudioInputError) as caught:
        operator = cls(task_id="bad_input", **kwargs)
        assert case.when == "execute", "expected the constructor to refuse this input"
        operator.execute(context={})
    assert case.expected in str(caught.value)
    # Nothing reached the sandbox but the free list reads the case declares, each once.
    expected_requests = {sandbox_route(read): 1 for read in case.reads}
    assert sandbox_stats(sandbox_connections)["requests"] == expected_requests
    assert all(read.startswith("GET ") for read in case.reads)


def test_the_documented_table_is_current() -> None:
    assert DOC.read_text() == render(), "run: python -m tests.catalogue.render"
