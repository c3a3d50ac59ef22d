"""Part plans, part-size bounds, sources and the zero-copy multipart body."""

from __future__ import annotations

import email.parser
import hashlib
from pathlib import Path

import pytest
import requests
import requests_mock as rm

from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.upload.multipart import MultipartBody
from airflow_provider_audio.upload.parts import MAX_PART_SIZE, MIN_PART_SIZE, check_part_size, plan_parts
from airflow_provider_audio.upload.sources import FileSource, read_exactly


def test_plan_covers_every_byte_once_with_one_based_indexes() -> None:
    parts = plan_parts(25, 10)
    assert [(p.index, p.start, p.end) for p in parts] == [(1, 0, 9), (2, 10, 19), (3, 20, 24)]
    assert parts[2].content_range(25) == "bytes 20-24/25"
    assert sum(p.length for p in plan_parts(10**9 + 7, 50 * 2**20)) == 10**9 + 7


@pytest.mark.parametrize("size", [MIN_PART_SIZE - 1, MAX_PART_SIZE + 1, 0, -1, 5.5, True])
def test_part_size_out_of_bounds_names_the_bounds(size: object) -> None:
    with pytest.raises(AudioInputError, match=f"part_size: .*from {MIN_PART_SIZE} to {MAX_PART_SIZE} bytes"):
        check_part_size(size)  # type: ignore[arg-type]


def test_missing_and_empty_sources_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AudioInputError, match="no such file"):
        FileSource(tmp_path / "nope.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioInputError, match="the file is empty"):
        FileSource(tmp_path / "empty.wav")
    with pytest.raises(AudioInputError, match="no such file"):
        FileSource(tmp_path)


def test_source_reads_from_an_offset(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(bytes(range(100)))
    source = FileSource(tmp_path / "a.bin")
    buffer = memoryview(bytearray(10))
    with source.open_at(40) as stream:
        read_exactly(stream, buffer)
    assert bytes(buffer) == bytes(range(40, 50))
    with source.open_at(95) as stream, pytest.raises(EOFError):
        read_exactly(stream, buffer)


def test_multipart_body_is_valid_form_data_and_reiterable(requests_mock: rm.Mocker) -> None:
    payload = bytes(range(256)) * 5000
    body = MultipartBody(
        {"index": "3", "hash": hashlib.md5(payload).hexdigest()}, "file", 'a"b.wav', memoryview(payload)
    )
    assert len(body) == sum(len(chunk) for chunk in body)
    requests_mock.post("https://upload.test/part", json={})
    for _ in range(2):
        requests.post(
            "https://upload.test/part", data=body, headers={"Content-Type": body.content_type}, timeout=5
        )
        sent = requests_mock.last_request
        raw = b"".join(bytes(chunk) for chunk in sent.body) if not isinstance(sent.body, bytes) else sent.body
        assert sent.headers["Content-Length"] == str(len(body))
        message = email.parser.BytesParser().parsebytes(
            b"Content-Type: " + body.content_type.encode() + b"\r\n\r\n" + raw
        )
        fields = {
            part.get_param("name", header="content-disposition"): part for part in message.get_payload()
        }  # type: ignore[union-attr]
        assert fields["index"].get_payload() == "3"
        assert fields["file"].get_payload(decode=True) == payload
        assert fields["file"].get_filename() == "a_b.wav"
