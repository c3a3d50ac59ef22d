"""Downloads: whole files only, renamed into place; truncated bodies leave nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests_mock as rm

from airflow_provider_audio.client.files import download_file
from airflow_provider_audio.client.service import RetryPolicy
from airflow_provider_audio.exceptions import AudioServiceNotFoundError, AudioServiceTransportError

URL = "https://cdn.example.test/files/abc.wav?signature=SECRETSIG"
ONCE = RetryPolicy.no_retries()


def test_complete_file_is_written_and_no_key_is_sent(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    payload = b"RIFF" + bytes(range(256)) * 40
    requests_mock.get(URL, content=payload, headers={"Content-Length": str(len(payload))})
    target = tmp_path / "out" / "episode.wav"
    result = download_file(URL, target, service="audiostack", retry_policy=ONCE, chunk_bytes=1000)
    assert target.read_bytes() == payload
    assert result.size_bytes == len(payload)
    assert sorted(p.name for p in target.parent.iterdir()) == ["episode.wav"]
    sent = requests_mock.last_request.headers
    assert "x-api-key" not in sent and "Authorization" not in sent


def test_truncated_download_leaves_no_file(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    requests_mock.get(URL, content=b"x" * 100, headers={"Content-Length": "1000"})
    target = tmp_path / "episode.wav"
    with pytest.raises(AudioServiceTransportError, match="truncated download: 100 of 1000") as caught:
        download_file(URL, target, service="audiostack", retry_policy=ONCE)
    assert "SECRETSIG" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_truncation_is_retried_as_a_whole(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    requests_mock.get(
        URL,
        [
            {"content": b"x" * 10, "headers": {"Content-Length": "20"}},
            {"content": b"y" * 20, "headers": {"Content-Length": "20"}},
        ],
    )
    policy = RetryPolicy(max_attempts=2, initial_wait=0.01, jitter=0)
    download_file(URL, tmp_path / "a.wav", service="audiostack", retry_policy=policy)
    assert (tmp_path / "a.wav").read_bytes() == b"y" * 20


def test_existing_file_survives_a_failed_download(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    target = tmp_path / "episode.wav"
    target.write_bytes(b"previous good copy")
    requests_mock.get(URL, status_code=404, json={"message": "gone"})
    with pytest.raises(AudioServiceNotFoundError):
        download_file(URL, target, service="audiostack", retry_policy=ONCE)
    assert target.read_bytes() == b"previous good copy"


def test_object_storage_destination(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    from airflow.sdk import ObjectStoragePath

    requests_mock.get(URL, content=b"abc", headers={"Content-Length": "3"})
    target = ObjectStoragePath(f"file://{tmp_path}/store/episode.wav")
    result = download_file(URL, target, service="audiostack", retry_policy=ONCE)
    assert (tmp_path / "store" / "episode.wav").read_bytes() == b"abc"
    assert result.size_bytes == 3


def test_asks_for_the_files_own_bytes(requests_mock: rm.Mocker, tmp_path: Path) -> None:
    requests_mock.get(URL, content=b"abc", headers={"Content-Length": "3"})
    download_file(URL, tmp_path / "a.wav", service="audiostack", retry_policy=ONCE)
    assert requests_mock.last_request.headers["Accept-Encoding"] == "identity"
