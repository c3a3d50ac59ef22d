"""AIOZ Stream uploads: parts, their checks, completion, transcoding, streaming and faults."""

from __future__ import annotations

import os
import socket
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from audio_sandbox import SandboxProcess, SandboxServer

from .aioz import (
    HEADERS,
    admin_media,
    aioz_stats,
    api,
    complete,
    create,
    error_message,
    get_media,
    make_mp3,
    make_wav,
    md5,
    quality,
    send_part,
    split,
    upload,
    uploaded,
    wait_settled,
)
from .conftest import API_KEY

EMPTY_MD5 = md5(b"")
ROOT = Path(__file__).resolve().parents[2]


def _assert_nothing_stored(sandbox: SandboxServer, media_id: str, received: int = 0, parts: int = 0) -> None:
    state = admin_media(sandbox, media_id)
    assert state["received_bytes"] == received
    assert len(state["parts"]) == parts
    stored = sandbox.state.aioz.get(media_id)
    assert stored is not None
    assert stored.path.stat().st_size == received


def _mp3_frame_ok(data: bytes, position: int = 0) -> bool:
    """An MPEG audio layer III frame header at ``position`` (sync, version, layer, rates)."""
    b1, b2 = data[position + 1], data[position + 2]
    return (
        data[position] == 0xFF
        and b1 & 0xE0 == 0xE0
        and (b1 >> 3) & 3 != 1
        and (b1 >> 1) & 3 == 1
        and b2 >> 4 not in (0, 15)
        and (b2 >> 2) & 3 != 3
    )


# -- the happy path ------------------------------------------------------------------------------


def test_three_part_upload_completes_transcodes_and_keeps_the_bytes(sandbox: SandboxServer) -> None:
    source = make_wav(12.5)
    media = create(sandbox, title="Tone")
    upload(sandbox, media["id"], source, parts=3)
    state = admin_media(sandbox, media["id"])
    assert state["md5"] == md5(source)
    assert state["received_bytes"] == len(source)
    assert state["status"] == "new"
    assert state["size"] == 0
    pieces = split(source, 3)
    assert state["parts"] == [
        {"index": i, "start": start, "end": start + len(piece) - 1, "md5": md5(piece)}
        for i, (start, piece) in enumerate(pieces, 1)
    ]

    response = complete(sandbox, media["id"])
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Upload completed successfully."}
    transcoding = get_media(sandbox, media["id"]).json()["data"]
    assert transcoding["status"] == "transcoding"
    assert transcoding["size"] == len(source)
    assert "already completed" in error_message(complete(sandbox, media["id"]), 400)

    done = wait_settled(sandbox, media["id"])
    assert done["status"] == "done"
    assert done["duration"] == pytest.approx(12.5, abs=1e-3)
    assert done["size"] == len(source)
    assert done["qualities"] == [{"name": "standard", "status": "done", "type": "hls"}]
    assert "done" in error_message(complete(sandbox, media["id"]), 400)

    source_response = requests.get(done["assets"]["source_url"], headers=HEADERS, timeout=10)
    assert source_response.status_code == 200
    assert source_response.headers["content-type"] == "audio/wav"
    assert md5(source_response.content) == md5(source)
    assert requests.get(done["assets"]["source_url"], timeout=5).status_code == 401
    assert aioz_stats(sandbox) == {
        "created": 1,
        "parts_received": 3,
        "completed": 1,
        "done": 1,
        "failed": 0,
        "deleted": 0,
    }


def test_transcoding_lasts_the_transcode_seconds_fixed_at_completion(sandbox: SandboxServer) -> None:
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json={"transcode_seconds": 1.0}, timeout=5)
    media = create(sandbox)
    upload(sandbox, media["id"], make_wav(0.3), parts=1)
    started = time.monotonic()
    assert complete(sandbox, media["id"]).status_code == 200
    # A later change does not shorten a transcoding already started.
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json={"transcode_seconds": 0}, timeout=5)
    assert get_media(sandbox, media["id"]).json()["data"]["status"] == "transcoding"
    assert wait_settled(sandbox, media["id"])["status"] == "done"
    assert time.monotonic() - started >= 1.0


def test_a_single_part_mono_upload(sandbox: SandboxServer) -> None:
    source = make_wav(0.5, rate=8000, channels=1)
    media = uploaded(sandbox, source, parts=1)
    assert media["status"] == "done"
    assert media["duration"] == pytest.approx(0.5, abs=1e-3)


def test_bytes_that_are_not_audio_fail(sandbox: SandboxServer) -> None:
    junk = os.urandom(300_000)
    media = uploaded(sandbox, junk, parts=2)
    assert media["status"] == "fail"
    assert media["duration"] == 0
    assert media["qualities"][0]["status"] == "fail"
    error_message(requests.get(media["assets"]["hls_url"], timeout=5), 404)
    source = requests.get(media["assets"]["source_url"], headers=HEADERS, timeout=5)
    assert source.content == junk
    assert source.headers["content-type"] == "application/octet-stream"
    assert aioz_stats(sandbox)["failed"] == 1


def test_a_fake_wav_header_over_junk_fails(sandbox: SandboxServer) -> None:
    media = uploaded(sandbox, b"RIFF\x00\x00\x00\x00WAVE" + os.urandom(5000), parts=1)
    assert media["status"] == "fail"


def test_an_mp3_upload_is_done_with_its_duration_and_one_segment(sandbox: SandboxServer) -> None:
    source = make_mp3(12.0)
    media = uploaded(sandbox, source, parts=2)
    assert media["status"] == "done"
    assert media["duration"] == pytest.approx(12.0, abs=0.1)
    playlist = requests.get(media["assets"]["hls_url"], timeout=5).text
    segment_urls = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    assert len(segment_urls) == 1
    segment = requests.get(segment_urls[0], timeout=5)
    assert segment.headers["content-type"] == "audio/mpeg"
    assert segment.content == source


# -- HLS, DASH and players ------------------------------------------------------------------------


def test_hls_playlist_and_a_segment_that_is_mp3(sandbox: SandboxServer) -> None:
    media = uploaded(sandbox, make_wav(25.0, rate=44100), parts=3)
    response = requests.get(media["assets"]["hls_url"], timeout=5)  # no credentials: a CDN URL
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    lines = response.text.splitlines()
    assert lines[:2] == ["#EXTM3U", "#EXT-X-VERSION:3"]
    assert "#EXT-X-TARGETDURATION:10" in lines
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in lines
    assert lines[-1] == "#EXT-X-ENDLIST"
    durations = [
        float(line.removeprefix("#EXTINF:").rstrip(",")) for line in lines if line.startswith("#EXTINF:")
    ]
    assert durations == pytest.approx([10.0, 10.0, 5.0])
    uris = [line for line in lines if line and not line.startswith("#")]
    assert uris == [f"{api(sandbox)}/media/{media['id']}/hls/{n}.mp3" for n in range(3)]

    segment = requests.get(uris[1], timeout=10)
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "audio/mpeg"
    data = segment.content
    assert _mp3_frame_ok(data)
    # Ten seconds at 128 kbps: about 160 kB.
    assert 140_000 < len(data) < 180_000
    last = requests.get(uris[2], timeout=10).content
    assert _mp3_frame_ok(last) and len(last) < len(data)
    error_message(requests.get(f"{api(sandbox)}/media/{media['id']}/hls/3.mp3", timeout=5), 404)
    error_message(requests.get(f"{api(sandbox)}/media/{media['id']}/hls/first.mp3", timeout=5), 404)
    error_message(requests.get(media["assets"]["hls_url"].replace("m3u8", "manifest"), timeout=5), 404)


@pytest.mark.parametrize(("width", "channels"), [(1, 1), (3, 2), (2, 4)])
def test_segments_of_other_wav_layouts_are_mp3(sandbox: SandboxServer, width: int, channels: int) -> None:
    media = uploaded(sandbox, make_wav(1.0, rate=16000, channels=channels, width=width), parts=1)
    assert media["status"] == "done"
    segment = requests.get(f"{api(sandbox)}/media/{media['id']}/hls/0.mp3", timeout=10)
    assert _mp3_frame_ok(segment.content)


def test_dash_manifest_only_for_dash_qualities(sandbox: SandboxServer) -> None:
    media = uploaded(sandbox, make_wav(15.0), parts=1, qualities=[quality("good", "dash", bitrate=192000)])
    assert "hls_url" not in media["assets"]
    error_message(requests.get(f"{api(sandbox)}/media/{media['id']}/m3u8", timeout=5), 404)
    response = requests.get(media["assets"]["dash_url"], timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/dash+xml")
    ns = {"mpd": "urn:mpeg:dash:schema:mpd:2011"}
    mpd = ElementTree.fromstring(response.content)
    assert mpd.get("type") == "static"
    assert mpd.get("mediaPresentationDuration") == "PT15.000S"
    adaptation = mpd.find("mpd:Period/mpd:AdaptationSet", ns)
    assert adaptation is not None and adaptation.get("mimeType") == "audio/mpeg"
    representation = adaptation.find("mpd:Representation", ns)
    assert representation is not None and representation.get("bandwidth") == "192000"
    urls = [node.get("media") for node in adaptation.iter("{urn:mpeg:dash:schema:mpd:2011}SegmentURL")]
    assert urls == [f"{api(sandbox)}/media/{media['id']}/hls/{n}.mp3" for n in range(2)]
    assert _mp3_frame_ok(requests.get(str(urls[0]), timeout=10).content)


def test_streams_wait_for_transcoding(sandbox: SandboxServer) -> None:
    requests.patch(f"{sandbox.base_url}/_sandbox/settings", json={"transcode_seconds": 30}, timeout=5)
    media = create(sandbox)
    error_message(requests.get(media["assets"]["hls_url"], timeout=5), 404)
    upload(sandbox, media["id"], make_wav(0.2), parts=1)
    assert "not complete" in error_message(requests.get(media["assets"]["source_url"], headers=HEADERS), 404)
    complete(sandbox, media["id"])
    assert "transcoding" in error_message(requests.get(media["assets"]["hls_url"], timeout=5), 404)


def test_player_pages_link_their_playlist(sandbox: SandboxServer) -> None:
    media = create(sandbox, qualities=[quality(), quality(kind="dash")])
    for kind, listing in (("hls", "m3u8"), ("dash", "manifest")):
        page = requests.get(media["assets"][f"{kind}_player_url"], timeout=5)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "<audio" in page.text
        assert f"{api(sandbox)}/media/{media['id']}/{listing}" in page.text
        assert media["assets"][f"{kind}_iframe"].startswith(
            f'<iframe src="{media["assets"][f"{kind}_player_url"]}"'
        )
    hls_only = create(sandbox)
    assert (
        requests.get(f"{sandbox.base_url}/aiozstream/embed/vod/dash/{hls_only['id']}", timeout=5).status_code
        == 404
    )
    assert requests.get(f"{sandbox.base_url}/aiozstream/embed/vod/hls/unknown", timeout=5).status_code == 404


# -- part checks ---------------------------------------------------------------------------------


def test_out_of_order_index_is_refused_and_nothing_stored(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = os.urandom(3000)
    response = send_part(sandbox, media["id"], data[:1000], start=0, total=3000, index=2)
    assert "index 2 is out of order" in error_message(response, 400)
    _assert_nothing_stored(sandbox, media["id"])
    assert admin_media(sandbox, media["id"])["md5"] == EMPTY_MD5
    assert send_part(sandbox, media["id"], data[:1000], start=0, total=3000, index=1).status_code == 200
    response = send_part(sandbox, media["id"], data[1000:2000], start=1000, total=3000, index=3)
    assert "next index is 2" in error_message(response, 400)
    _assert_nothing_stored(sandbox, media["id"], received=1000, parts=1)
    assert aioz_stats(sandbox)["parts_received"] == 1


def test_a_gap_in_content_range_is_refused(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = os.urandom(3000)
    assert send_part(sandbox, media["id"], data[:1000], start=0, total=3000, index=1).status_code == 200
    response = send_part(sandbox, media["id"], data[1010:2010], start=1010, total=3000, index=2)
    message = error_message(response, 400)
    assert "does not continue the upload" in message
    assert "must start at byte 1000" in message
    _assert_nothing_stored(sandbox, media["id"], received=1000, parts=1)
    assert admin_media(sandbox, media["id"])["md5"] == md5(data[:1000])


def test_a_total_that_changes_is_refused(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = os.urandom(3000)
    assert send_part(sandbox, media["id"], data[:1000], start=0, total=3000, index=1).status_code == 200
    response = send_part(sandbox, media["id"], data[1000:2000], start=1000, total=4000, index=2)
    assert "total 4000 differs from the total 3000" in error_message(response, 400)
    _assert_nothing_stored(sandbox, media["id"], received=1000, parts=1)


def test_a_bad_hash_is_refused_naming_both_digests(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = os.urandom(2000)
    wrong = md5(b"something else")
    response = send_part(sandbox, media["id"], data, start=0, total=2000, index=1, digest=wrong)
    assert error_message(response, 400) == f"hash mismatch for part 1: expected {md5(data)}, got {wrong}"
    _assert_nothing_stored(sandbox, media["id"])
    upper = send_part(sandbox, media["id"], data, start=0, total=2000, index=1, digest=md5(data).upper())
    assert upper.status_code == 200


@pytest.mark.parametrize(
    ("content_range", "fragment"),
    [
        ("bytes=0-999/1000", "malformed"),
        ("0-999/1000", "malformed"),
        ("bytes 0-999", "malformed"),
        ("bytes 0-999/*", "malformed"),
        ("bytes a-b/c", "malformed"),
        ("bytes 10-5/1000", "inconsistent"),
        ("bytes 0-999/999", "inconsistent"),
    ],
)
def test_malformed_content_range_is_refused(
    sandbox: SandboxServer, content_range: str, fragment: str
) -> None:
    media = create(sandbox)
    data = os.urandom(1000)
    response = send_part(
        sandbox, media["id"], data, start=0, total=1000, index=1, content_range=content_range
    )
    message = error_message(response, 400)
    assert "Content-Range" in message and fragment in message, message
    _assert_nothing_stored(sandbox, media["id"])


def test_missing_content_range_is_refused(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    response = requests.post(
        f"{api(sandbox)}/media/{media['id']}/part",
        headers=HEADERS,
        data={"index": "1", "hash": md5(b"abc")},
        files={"file": ("p", b"abc")},
        timeout=5,
    )
    assert "Content-Range header is required" in error_message(response, 400)


def test_a_file_of_the_wrong_length_is_refused(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = os.urandom(900)
    response = send_part(
        sandbox, media["id"], data, start=0, total=5000, index=1, content_range="bytes 0-999/5000"
    )
    assert "announces 1000 bytes but the file field has 900" in error_message(response, 400)
    _assert_nothing_stored(sandbox, media["id"])


@pytest.mark.parametrize(
    ("index", "fragment"),
    [(None, "index is required"), ("2", "first index is 1"), ("one", "1-based"), ("-1", "1-based")],
)
def test_bad_index_fields_are_refused(sandbox: SandboxServer, index: str | None, fragment: str) -> None:
    media = create(sandbox)
    response = send_part(sandbox, media["id"], b"abc", start=0, total=3, index=index)
    assert fragment in error_message(response, 400)
    _assert_nothing_stored(sandbox, media["id"])


def test_a_0_based_upload_as_the_api_reference_shows_it_is_taken_in_order(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    source = make_wav(1.0)
    pieces = split(source, 3)
    for index, (start, piece) in enumerate(pieces):
        response = send_part(sandbox, media["id"], piece, start=start, total=len(source), index=index)
        assert response.status_code == 200, response.text
    assert [part["index"] for part in admin_media(sandbox, media["id"])["parts"]] == [0, 1, 2]
    assert complete(sandbox, media["id"]).status_code == 200
    assert wait_settled(sandbox, media["id"])["status"] == "done"


def test_an_upload_begun_at_0_cannot_jump_to_2(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = os.urandom(2000)
    assert send_part(sandbox, media["id"], data[:1000], start=0, total=2000, index=0).status_code == 200
    response = send_part(sandbox, media["id"], data[1000:], start=1000, total=2000, index=2)
    assert "next index is 1" in error_message(response, 400)


def test_missing_hash_file_or_multipart_body_is_refused(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    url = f"{api(sandbox)}/media/{media['id']}/part"
    headers = {**HEADERS, "Content-Range": "bytes 0-2/3"}
    no_hash = requests.post(
        url, headers=headers, data={"index": "1"}, files={"file": ("p", b"abc")}, timeout=5
    )
    assert "hash is required" in error_message(no_hash, 400)
    no_file = requests.post(url, headers=headers, files={"index": (None, "1"), "hash": (None, md5(b"abc"))})
    assert "file is required" in error_message(no_file, 400)
    not_multipart = requests.post(url, headers=headers, json={"file": "abc"}, timeout=5)
    assert "multipart/form-data" in error_message(not_multipart, 400)
    truncated = requests.post(
        url,
        headers={**headers, "Content-Type": "multipart/form-data; boundary=xyz"},
        data=b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="p"\r\n\r\nabc',
        timeout=5,
    )
    assert "malformed multipart body" in error_message(truncated, 400)
    _assert_nothing_stored(sandbox, media["id"])


def test_resending_a_stored_part_is_accepted_and_changes_nothing(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = os.urandom(3000)
    for index, (start, piece) in enumerate(split(data, 3), 1):
        assert send_part(sandbox, media["id"], piece, start=start, total=3000, index=index).status_code == 200
    before = admin_media(sandbox, media["id"])
    # The last part again (its answer was lost), and an earlier one too.
    assert send_part(sandbox, media["id"], data[2000:], start=2000, total=3000, index=3).status_code == 200
    assert send_part(sandbox, media["id"], data[:1000], start=0, total=3000, index=1).status_code == 200
    assert admin_media(sandbox, media["id"]) == before
    assert aioz_stats(sandbox)["parts_received"] == 3

    other = os.urandom(1000)
    response = send_part(sandbox, media["id"], other, start=2000, total=3000, index=3)
    assert error_message(response, 400) == "part 3 differs from the part already received"
    response = send_part(sandbox, media["id"], data[1000:2000], start=1000, total=3000, index=3)
    assert "does not match part 2" in error_message(response, 400)
    assert admin_media(sandbox, media["id"]) == before
    assert complete(sandbox, media["id"]).status_code == 200
    assert admin_media(sandbox, media["id"])["md5"] == md5(data)


def test_parts_after_completion_or_deletion_are_refused(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = make_wav(0.2)
    upload(sandbox, media["id"], data, parts=1)
    complete(sandbox, media["id"])
    response = send_part(sandbox, media["id"], data, start=0, total=len(data), index=1)
    assert "transcoding" in error_message(response, 400)
    deleted = create(sandbox)
    requests.delete(f"{api(sandbox)}/media/{deleted['id']}", headers=HEADERS, timeout=5)
    response = send_part(sandbox, deleted["id"], b"abc", start=0, total=3, index=1)
    assert "deleted" in error_message(response, 400)
    response = send_part(sandbox, "no-such-media", b"abc", start=0, total=3, index=1)
    assert "not found" in error_message(response, 404)


def test_complete_before_every_byte_is_refused(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    assert error_message(complete(sandbox, media["id"]), 400).startswith("upload incomplete: 0 of 0 bytes")
    data = os.urandom(3000)
    send_part(sandbox, media["id"], data[:1000], start=0, total=3000, index=1)
    assert (
        error_message(complete(sandbox, media["id"]), 400) == "upload incomplete: 1000 of 3000 bytes received"
    )
    assert get_media(sandbox, media["id"]).json()["data"]["status"] == "new"
    error_message(requests.get(f"{api(sandbox)}/media/nope/complete", headers=HEADERS, timeout=5), 404)


# -- faults and the data directory -----------------------------------------------------------------


def test_a_dropped_part_upload_stores_nothing(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    data = os.urandom(200_000)
    fault = {"match": "POST /aiozstream/api/media/*/part", "kind": "drop"}
    assert requests.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5).status_code == 201
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        send_part(sandbox, media["id"], data, start=0, total=len(data), index=1)
    _assert_nothing_stored(sandbox, media["id"])
    assert aioz_stats(sandbox)["parts_received"] == 0
    # The client re-sends it, as it would after a lost answer.
    assert send_part(sandbox, media["id"], data, start=0, total=len(data), index=1).status_code == 200
    assert admin_media(sandbox, media["id"])["md5"] == md5(data)


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_a_client_gone_mid_part_leaves_nothing_stored(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    stored = sandbox.state.aioz.get(media["id"])
    assert stored is not None
    data = os.urandom(4 * 1024 * 1024)
    head = (
        '--b\r\nContent-Disposition: form-data; name="index"\r\n\r\n1\r\n'
        f'--b\r\nContent-Disposition: form-data; name="hash"\r\n\r\n{md5(data)}\r\n'
        '--b\r\nContent-Disposition: form-data; name="file"; filename="p"\r\n\r\n'
    ).encode()
    body = head + data + b"\r\n--b--\r\n"
    request = (
        f"POST /aiozstream/api/media/{media['id']}/part HTTP/1.1\r\nHost: sandbox\r\n"
        f"Authorization: {HEADERS['Authorization']}\r\nContent-Range: bytes 0-{len(data) - 1}/{len(data)}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", sandbox.port)) as connection:
        connection.sendall(request + body[: len(body) // 2])
        _wait_for(lambda: stored.path.stat().st_size > 0)
    _wait_for(lambda: stored.path.stat().st_size == 0)
    assert admin_media(sandbox, media["id"])["received_bytes"] == 0
    assert send_part(sandbox, media["id"], data, start=0, total=len(data), index=1).status_code == 200
    assert admin_media(sandbox, media["id"])["md5"] == md5(data)


def test_a_5xx_fault_on_a_part_stores_nothing(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    fault = {"match": "POST /aiozstream/api/media/*/part", "kind": "503"}
    requests.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5)
    response = send_part(sandbox, media["id"], b"abcdef", start=0, total=6, index=1)
    error_message(response, 503)
    _assert_nothing_stored(sandbox, media["id"])


def test_reset_forgets_media_and_removes_their_files(sandbox: SandboxServer) -> None:
    media = create(sandbox)
    upload(sandbox, media["id"], b"x" * 100, parts=1)
    stored = sandbox.state.aioz.get(media["id"])
    assert stored is not None and stored.path.exists()
    requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5)
    assert not stored.path.exists()
    error_message(get_media(sandbox, media["id"]), 404)
    assert requests.get(f"{sandbox.base_url}/_sandbox/aioz/media/{media['id']}", timeout=5).status_code == 404


def test_data_dir_holds_the_files_and_the_default_temp_dir_goes_away(tmp_path: Path) -> None:
    with SandboxServer(data_dir=str(tmp_path / "media")) as server:
        media_id = create(server)["id"]
        upload(server, media_id, b"y" * 50, parts=1)
        assert (tmp_path / "media" / f"{media_id}.source").read_bytes() == b"y" * 50
    assert (tmp_path / "media").is_dir()
    with SandboxServer() as server:
        media_id = create(server)["id"]
        stored = server.state.aioz.get(media_id)
        assert stored is not None
        temp_dir = stored.path.parent
        assert temp_dir.is_dir()
    assert not temp_dir.exists()


def _rss_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field} for process {pid}")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read the process's memory")
def test_large_parts_stream_to_disk_without_being_held_in_memory() -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AUDIO_SANDBOX_")}
    with SandboxProcess(api_key=API_KEY, env=environment, cwd=ROOT) as sandbox:
        url = sandbox.service_url("aiozstream")
        warm = requests.post(
            url + "/media/create", json={"type": "audio", "title": "w"}, headers=HEADERS
        ).json()
        warm_id = warm["data"]["id"]
        headers = {**HEADERS, "Content-Range": "bytes 0-0/1"}
        requests.post(
            f"{url}/media/{warm_id}/part",
            headers=headers,
            data={"index": "1", "hash": md5(b"w")},
            files={"file": ("p", b"w")},
        )
        baseline = _rss_mib(sandbox.pid, "VmRSS")
        media = requests.post(
            url + "/media/create", json={"type": "audio", "title": "big"}, headers=HEADERS
        ).json()
        part = os.urandom(32 * 1024 * 1024)
        total = 2 * len(part)
        for index in (1, 2):
            start = (index - 1) * len(part)
            response = requests.post(
                f"{url}/media/{media['data']['id']}/part",
                headers={**HEADERS, "Content-Range": f"bytes {start}-{start + len(part) - 1}/{total}"},
                data={"index": str(index), "hash": md5(part)},
                files={"file": ("p", part)},
                timeout=60,
            )
            assert response.status_code == 200, response.text
        peak = _rss_mib(sandbox.pid, "VmHWM")
        # 64 MiB went through; the sandbox grew by far less than one 32 MiB part.
        assert peak - baseline < 16, (baseline, peak)
        state: dict[str, Any] = requests.get(
            f"{sandbox.base_url}/_sandbox/aioz/media/{media['data']['id']}"
        ).json()
        assert state["received_bytes"] == total
        assert state["md5"] == md5(part + part)
