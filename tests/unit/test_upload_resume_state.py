"""Which earlier upload a retried AIOZ upload task carries on, and which it starts over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, Media
from airflow_provider_audio.operators.aiozstream import AiozStreamUploadAudioOperator
from airflow_provider_audio.upload.sources import FileSource


class StateStore:
    def __init__(self, stored: dict[str, Any]) -> None:
        self.values = {AiozStreamUploadAudioOperator.state_store_key: stored}

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value


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
def test_resume_decision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str, resumed: bool, completed: bool | None
) -> None:
    (tmp_path / "a.wav").write_bytes(b"x" * 1000)
    operator = AiozStreamUploadAudioOperator(task_id="t", source=str(tmp_path / "a.wav"), title="t")
    operator._source = FileSource(tmp_path / "a.wav")
    stored: dict[str, Any] = {
        "media_id": "m1",
        "part_size": operator.part_size,
        "total": 1000,
        "confirmed": 2,
        "completed": False,
        "deadline": 4102444800.0,
    }

    async def get_media(self: AiozStreamHook, media_id: str) -> Media:
        return Media({"id": media_id, "status": status})

    monkeypatch.setattr(AiozStreamHook, "aget_media", get_media)
    context: Any = {"task_state_store": StateStore(stored)}
    job, judged = operator._recall_job(context)
    assert (job is not None) is resumed
    if job is not None:
        sent: list[str] = []
        monkeypatch.setattr(operator, "_upload", lambda *args: sent.append("parts"))
        monkeypatch.setattr(AiozStreamHook, "complete_upload", lambda self, media_id: sent.append("complete"))
        monkeypatch.setattr(AiozStreamHook, "check_uploaded_size", lambda self, media_id, size: None)
        operator.carry_on(context, job, judged)
        # An upload the earlier try had not completed is carried on; a completed one is left alone.
        assert (sent == ["parts", "complete"]) is (completed is False)
        assert job["completed"] is True
