"""AudioPod's sample recognition, training rules and usage buckets, without a server."""

from __future__ import annotations

import datetime

import pytest
from audio_sandbox.audiopod.analytics import UsageRecord, bucket_start, usage_report
from audio_sandbox.audiopod.samples import Sample, assess, sample_format, wav_seconds

from .audiopod import BROKEN_WAV, M4A, make_mp3, wav


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(wav(0.1), "wav", id="wav"),
        pytest.param(b"ID3\x03\x00" + bytes(20), "mp3", id="id3"),
        pytest.param(make_mp3(0.2), "mp3", id="mpeg-frame"),
        pytest.param(M4A, "m4a", id="m4a"),
        pytest.param(b"RIFF\x00\x00\x00\x00AVI LIST", None, id="riff-avi"),
        pytest.param(b"\xff\xe8" + bytes(10), None, id="reserved-mpeg-version"),
        pytest.param(b"\xff\xf9" + bytes(10), None, id="adts-aac-layer-0"),
        pytest.param(b"fLaC" + bytes(40), None, id="flac"),
        pytest.param(b"", None, id="empty"),
    ],
)
def test_sample_format_by_signature(data: bytes, expected: str | None) -> None:
    assert sample_format(data) == expected


def test_wav_seconds_counts_the_frames_present() -> None:
    data = wav(2.0)
    assert wav_seconds(data) == pytest.approx(2.0)
    assert wav_seconds(data[: 44 + 8000]) == pytest.approx(0.5)  # a truncated file: what is there
    with pytest.raises(ValueError):
        wav_seconds(BROKEN_WAV)


def _sample(data: bytes, kind: str = "wav", field: str = "file") -> Sample:
    return Sample(field, "x", kind, data)


def test_assess() -> None:
    assert assess((_sample(wav(3.0)),)).succeeded
    assert assess((_sample(wav(1.5)), _sample(wav(1.5)))).succeeded
    short = assess((_sample(wav(2.9)),))
    assert not short.succeeded and "2.90 s" in (short.error_message or "")
    # An MP3 or M4A sample's length is not estimated, so it is not held to the minimum.
    assert assess((_sample(wav(0.5)), _sample(make_mp3(0.2), "mp3"))).succeeded
    assert assess((_sample(M4A, "m4a"),)).succeeded
    broken = assess((_sample(make_mp3(0.2), "mp3"), _sample(BROKEN_WAV, field="voice_files[1]")))
    assert not broken.succeeded and (broken.error_message or "").startswith("voice_files[1] (x)")


def test_bucket_start() -> None:
    wednesday = datetime.date(2024, 5, 15)
    assert bucket_start(wednesday, "daily") == wednesday
    assert bucket_start(wednesday, "weekly") == datetime.date(2024, 5, 13)
    assert bucket_start(wednesday, "monthly") == datetime.date(2024, 5, 1)


def test_usage_report_lists_every_bucket_of_the_period() -> None:
    today = datetime.date(2024, 3, 10)
    records = [
        UsageRecord(today, 1, 10, 1.5),
        UsageRecord(today - datetime.timedelta(days=40), 1, 20, 2.0),
        UsageRecord(today - datetime.timedelta(days=400), 1, 99, 9.0),  # outside every period
    ]
    monthly = usage_report(records, voice_id="voice_x", period="1y", breakdown="monthly", today=today)
    assert [b["date"] for b in monthly["daily_breakdown"]][:2] == ["2023-03-01", "2023-04-01"]
    assert monthly["daily_breakdown"][-1]["date"] == "2024-03-01"
    assert len(monthly["daily_breakdown"]) == 13
    assert (monthly["total_generations"], monthly["total_characters"], monthly["total_duration"]) == (
        2,
        30,
        3.5,
    )
    daily = usage_report(records, voice_id=None, period="30d", breakdown="daily", today=today)
    assert len(daily["daily_breakdown"]) == 30 and daily["total_generations"] == 1
    assert daily["daily_breakdown"][-1] == {
        "date": "2024-03-10",
        "generations": 1,
        "characters": 10,
        "duration": 1.5,
    }
