"""
One pipeline per other service under injected faults: an AudioPod voice clone and preview
(``custom_voice``), an AIML API generation and download, AudioStack brief ads and batches, an
AudioStack build downloaded to storage (``article_to_audio``), and a transcode that fails on AIOZ.
"""

from __future__ import annotations

import time
from typing import Any

from tests.faults.helpers import (
    ASKED_WAIT,
    DELIVERY,
    MATCH_DELIVERY,
    MATCH_POLL_AUDIOFORM,
    MATCH_UPLOAD_PART,
    READ_TIMEOUT,
    SLOW_DELAY,
    UPLOAD_PART,
    FaultSandbox,
    TaskErrors,
    assert_audio_file,
    assert_created,
    assert_mp3_bytes,
    assert_no_partial_files,
    fetch,
    load_dag,
    md5,
    task_states,
    xcoms_of,
)

AUDIOPOD = "/audiopod/api/v1/voice"
MATCH_CREATE_VOICE = f"POST {AUDIOPOD}/voice-profiles/multi-sample"
MATCH_VOICE_STATUS = f"GET {AUDIOPOD}/voices/*/status"
MATCH_VOICE_PREVIEW = f"GET {AUDIOPOD}/voice-profiles/*/preview"
MATCH_PREVIEW_FILE = "GET /audiopod/previews/*"
CREATE_VOICE = f"POST {AUDIOPOD}/voice-profiles/multi-sample"
VOICE_PREVIEW = f"GET {AUDIOPOD}/voice-profiles/{{voice_identifier}}/preview"
PREVIEW_FILE = "GET /audiopod/previews/{file_name}"

MATCH_GENERATE = "POST /aimlapi/v2/generate/audio"
MATCH_GENERATION_POLL = "GET /aimlapi/v2/generate/audio"
MATCH_GENERATION_FILE = "GET /aimlapi/files/*"
GENERATE = "POST /aimlapi/v2/generate/audio"
GENERATION_FILE = "GET /aimlapi/files/{file_name}"

MATCH_BRIEF = "POST /audiostack/creator/brief"
BRIEF = "POST /audiostack/creator/brief"
MATCH_BATCH = "POST /audiostack/audioforms/batches"
BATCH = "POST /audiostack/audioforms/batches"

AIML_OPERATOR = "airflow_provider_audio.operators.aimlapi.AimlApiGenerateAudioOperator"
UPLOAD_OPERATOR = "airflow_provider_audio.operators.aiozstream.AiozStreamUploadAudioOperator"


# -- AudioPod: clone a voice from two samples, train it, preview it ------------------------------


def test_voice_clone_and_preview_survive_a_429_5xx_polls_and_dropped_reads(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    faults.fault(MATCH_CREATE_VOICE, "429", retry_after=1)  # billed, but a 429 was not acted on
    faults.fault(MATCH_VOICE_STATUS, "503", count=2)  # the triggerer's polls of the training
    faults.fault(MATCH_VOICE_PREVIEW, "drop")  # generates (and bills) the preview: a GET, retried
    faults.fault(MATCH_PREVIEW_FILE, "drop")  # the preview file, truncated: downloaded again

    run = load_dag("custom_voice", errors=errors).test()

    stats = faults.stats()
    assert run.state == "success", task_states(run)
    assert faults.pending_faults() == []
    assert_created(stats, voices=1, previews=1)
    requests = stats["requests"]
    assert requests[CREATE_VOICE] == 2 and requests[VOICE_PREVIEW] == 2 and requests[PREVIEW_FILE] == 2
    (preview,) = assert_no_partial_files(faults.tmp_path / "storage")
    assert preview.suffix == ".mp3"
    assert md5(preview.read_bytes()) == md5(fetch(xcoms_of(run, "preview_voice")[0]["audio_url"]))


def test_a_voice_create_slower_than_the_read_timeout_is_not_resent(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    faults.limit_client("audiopod", read_timeout=READ_TIMEOUT)
    faults.fault(MATCH_CREATE_VOICE, "slow", delay=SLOW_DELAY)

    run = load_dag("custom_voice", errors=errors).test()
    stats = faults.stats_after_slow_requests(run_ended=time.monotonic())

    assert stats["requests"][CREATE_VOICE] == 1
    assert_created(stats, voices=1, previews=0)
    assert run.state == "failed"
    assert task_states(run)["clone_voice"] == ["failed"]
    errors.named("audiopod POST /voice-profiles/multi-sample", "no response: ReadTimeout")
    assert_no_partial_files(faults.tmp_path / "storage")


# -- AIML API: generate a clip and download it ----------------------------------------------------


def generation_kwargs(faults: FaultSandbox) -> dict[str, Any]:
    return {
        "prompt": "a calm piano jingle",
        "seconds_total": 3,
        "steps": 20,
        "output_path": str(faults.tmp_path / "audio" / "jingle.wav"),
        "poll_interval": 0.3,
        "deferrable": True,
    }


def test_a_generation_survives_a_429_5xx_polls_and_a_dropped_and_a_slow_download(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    faults.limit_client("aimlapi", read_timeout=READ_TIMEOUT)
    faults.fault(MATCH_GENERATE, "429", retry_after=ASKED_WAIT)
    faults.fault(MATCH_GENERATION_POLL, "503", count=2)
    faults.fault(MATCH_GENERATION_FILE, "drop")
    faults.fault(MATCH_GENERATION_FILE, "slow", delay=SLOW_DELAY)  # after the drop: the retry is slow too

    run = faults.run_operator(AIML_OPERATOR, generation_kwargs(faults), errors)

    stats = faults.stats()
    assert run.state == "success", task_states(run)
    assert faults.pending_faults() == []
    assert_created(stats, generations=1)
    assert stats["requests"][GENERATE] == 2
    assert stats["requests"][GENERATION_FILE] >= 3  # dropped, timed out (at 1 s, not 60 s), whole
    (clip,) = assert_no_partial_files(faults.tmp_path / "audio")
    assert md5(clip.read_bytes()) == md5(fetch(xcoms_of(run, "run")[0]["audio_url"]))


def test_a_download_dropped_on_every_attempt_fails_and_leaves_no_file(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    faults.limit_client("aimlapi", max_attempts=2)
    faults.fault(MATCH_GENERATION_FILE, "drop", count=2)

    run = faults.run_operator(AIML_OPERATOR, generation_kwargs(faults), errors)

    assert run.state == "failed"
    errors.named("aimlapi GET /aimlapi/files/", "IncompleteRead")
    stats = faults.stats()
    assert_created(stats, generations=1)
    assert stats["requests"][GENERATION_FILE] == 2
    assert faults.pending_faults() == []
    assert assert_no_partial_files(faults.tmp_path / "audio") == []


# -- AudioStack: ads from a brief, an archive in batches, a build downloaded -----------------------


def test_brief_ads_survive_a_429_on_the_brief_and_5xx_and_drops_on_the_ads_polls(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    faults.fault(MATCH_BRIEF, "429", retry_after=1)
    faults.fault(MATCH_POLL_AUDIOFORM, "502", count=2)
    faults.fault(MATCH_POLL_AUDIOFORM, "drop", count=2)

    run = load_dag("brief_ads", errors=errors).test()

    stats = faults.stats()
    assert run.state == "success", task_states(run)
    assert faults.pending_faults() == []
    assert_created(stats, audiostack_briefs=1, audioforms=2)
    assert stats["requests"][BRIEF] == 2
    ads = xcoms_of(run, "list_ads")[0]
    assert len(ads) == 2
    for uri in ads:
        assert_mp3_bytes(fetch(uri), uri)


def test_a_batch_submit_slower_than_the_read_timeout_is_not_resent(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    faults.limit_client("audiostack", read_timeout=READ_TIMEOUT)
    faults.fault(MATCH_BATCH, "slow", delay=SLOW_DELAY)

    run = load_dag("batch_archive", errors=errors).test()
    stats = faults.stats_after_slow_requests(run_ended=time.monotonic())

    assert stats["requests"][BATCH] == 1
    assert_created(stats, audiostack_batches=1)
    assert run.state == "failed"
    assert task_states(run)["narrate_archive"] == ["failed"]
    errors.named("audiostack POST /audioforms/batches", "no response: ReadTimeout")


def test_a_build_download_survives_a_dropped_and_a_slow_response(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    faults.limit_client("audiostack", read_timeout=READ_TIMEOUT)
    faults.fault(MATCH_DELIVERY, "drop")
    faults.fault(MATCH_DELIVERY, "slow", delay=SLOW_DELAY)

    run = load_dag("article_to_audio", errors=errors).test()

    stats = faults.stats()
    assert run.state == "success", task_states(run)
    assert faults.pending_faults() == []
    assert_created(stats, audioforms=1)
    assert stats["requests"][DELIVERY] >= 3  # dropped, timed out (at 1 s, not 60 s), whole
    (episode,) = assert_no_partial_files(faults.tmp_path / "audio")
    assert_audio_file(episode)
    assert md5(episode.read_bytes()) == md5(fetch(xcoms_of(run, "build_audio")[0]["uri"]))


# -- AIOZ Stream: bytes that are not audio ---------------------------------------------------------


def test_a_failed_transcode_fails_naming_the_media_and_keeps_the_bytes_as_sent(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    not_audio = faults.tmp_path / "notes.wav"
    not_audio.write_bytes(b"these are meeting notes, not audio\n" * 2000)
    faults.fault(MATCH_UPLOAD_PART, "503")  # and the part is retried on the way

    upload = {"source": str(not_audio), "title": "Notes", "poll_interval": 0.3, "deferrable": True}
    run = faults.run_operator(UPLOAD_OPERATOR, upload, errors)

    assert run.state == "failed"
    stats = faults.stats()
    (media_id,) = faults.aioz_media_ids()
    errors.named(f"AIOZ Stream media {media_id} ended as 'fail'", "transcoding failed")
    assert_created(stats, aioz=1, aioz_completed=1)
    assert stats["aioz"]["failed"] == 1
    stored = faults.media(media_id)
    assert stored["status"] == "fail"
    assert stored["md5"] == md5(not_audio.read_bytes()) and stored["size"] == not_audio.stat().st_size
    assert [part["index"] for part in stored["parts"]] == [1]
    assert stats["requests"][UPLOAD_PART] == 2  # the part, retried alone after its 503
