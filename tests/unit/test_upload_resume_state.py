"""Which earlier upload a retried AIOZ upload task carries on, and which it starts over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_audio.hooks.aiozstream import Media
from airflow_provider_audio.operators.aiozstream import AiozStreamUploadAudioOperator
from airflow_provider_audio.upload.sources import FileSource


class StubHook:
    def __init__(self, status: str) -> None:
        self.status = status

    def get_media(self, media_id: str) -> Media:
        return Media({"id": media_id, "status": self.status})


@pytest.mark.parametrize(
    ("status", "resumed", "completed"),
    [
        ("new", True, False),
        ("transcoding", True, True),
        ("done", True, True),
        ("fail", False, None),
        ("deleted", False, None),
    ],
)
def test_resume_decision(tmp_path: Path, status: str, resumed: bool, completed: bool | None) -> None:
    (tmp_path / "a.wav").write_bytes(b"x" * 1000)
    operator = AiozStreamUploadAudioOperator(task_id="t", source=str(tmp_path / "a.wav"), title="t")
    stored: dict[str, Any] = {
        "media_id": "m1",
        "part_size": operator.part_size,
        "total": 1000,
        "confirmed": 2,
        "completed": False,
    }
    state = operator._resumable_state(StubHook(status), stored, FileSource(tmp_path / "a.wav"))  # type: ignore[arg-type]
    assert (state is not None) is resumed
    if state is not None:
        assert state["completed"] is completed
