"""``HttpSource``: a delivered file read over HTTP for an upload, retried, and never a different size."""

from __future__ import annotations

import pytest
import requests_mock as rm

from airflow_provider_audio.client.service import RetryPolicy
from airflow_provider_audio.exceptions import AudioServiceNotFoundError, AudioServiceTransportError
from airflow_provider_audio.upload.sources import HttpSource, read_exactly

URL = "https://cdn.example.test/delivery/abc.wav"
QUICK = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.01, jitter=0)
PAYLOAD = bytes(range(256)) * 8


def whole(status: int = 200) -> dict[str, object]:
    return {"status_code": status, "content": PAYLOAD, "headers": {"Content-Length": str(len(PAYLOAD))}}


def test_an_opening_that_announces_another_size_is_refused_not_uploaded(requests_mock: rm.Mocker) -> None:
    # The size probe was told 1024 bytes (a response cut short after its headers, say); the bytes
    # then read are a 2048-byte file. Uploading 1024 of them would publish a partial file.
    requests_mock.get(
        URL, [{"content": PAYLOAD[:1024], "headers": {"Content-Length": "1024"}}, whole(), whole(), whole()]
    )
    source = HttpSource(URL, service="audiostack", retry_policy=QUICK)
    assert source.size == 1024
    with (
        pytest.raises(AudioServiceTransportError, match="announced 1024 bytes when first opened and 2048"),
        source.open_at(0),
    ):
        pass
    assert requests_mock.call_count == 1 + QUICK.max_attempts


def test_a_range_answer_is_checked_against_its_total(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        URL, [whole(), {"status_code": 206, "content": b"x", "headers": {"Content-Range": "bytes 5-5/6"}}]
    )
    source = HttpSource(URL, retry_policy=RetryPolicy.no_retries())
    with (
        pytest.raises(AudioServiceTransportError, match="2048 bytes when first opened and 6 bytes now"),
        source.open_at(5),
    ):
        pass


def test_transient_failures_opening_the_source_are_retried(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        URL, [{"status_code": 503, "json": {"message": "busy"}}, whole(), whole(status=429), whole()]
    )
    source = HttpSource(URL, service="audiostack", retry_policy=QUICK)
    buffer = memoryview(bytearray(len(PAYLOAD)))
    with source.open_at(0) as stream:
        read_exactly(stream, buffer)
    assert bytes(buffer) == PAYLOAD
    assert requests_mock.call_count == 4


def test_a_missing_source_is_not_retried(requests_mock: rm.Mocker) -> None:
    requests_mock.get(URL, status_code=404, json={"message": "No delivered file abc.wav"})
    with pytest.raises(
        AudioServiceNotFoundError, match=r"audiostack GET /delivery/abc\.wav failed with HTTP 404"
    ):
        HttpSource(URL, service="audiostack", retry_policy=QUICK)
    assert requests_mock.call_count == 1


def test_the_head_is_read_with_a_ranged_get_of_those_bytes_only(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        URL,
        [
            whole(),
            {
                "status_code": 206,
                "content": PAYLOAD[:16],
                "headers": {"Content-Range": f"bytes 0-15/{len(PAYLOAD)}", "Content-Length": "16"},
            },
        ],
    )
    source = HttpSource(URL, service="audiostack", retry_policy=QUICK)
    assert source.read_head(16) == PAYLOAD[:16]
    assert requests_mock.last_request.headers["Range"] == "bytes=0-15"
