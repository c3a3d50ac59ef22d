"""
The article -> stream pipeline (``dags_examples.article_to_stream``) under injected faults.

Each test runs the pipeline on one article with ``dag.test()`` and asserts, whatever the outcome:
no remote job was submitted twice, and no published media differs from the file AudioStack delivered.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audio_examples.articles import SAMPLE_ARTICLES
from tests.faults.helpers import (
    ASKED_WAIT,
    COMPLETE,
    CREATE_MEDIA,
    DELIVERY,
    GET_MEDIA,
    LIST_MEDIA,
    MATCH_COMPLETE,
    MATCH_CREATE_MEDIA,
    MATCH_DELIVERY,
    MATCH_GET_MEDIA,
    MATCH_LIST_MEDIA,
    MATCH_PATCH_MEDIA,
    MATCH_POLL_AUDIOFORM,
    MATCH_SUBMIT_AUDIOFORM,
    MATCH_UPLOAD_PART,
    POLL_AUDIOFORM,
    READ_TIMEOUT,
    SLOW_DELAY,
    SUBMIT_AUDIOFORM,
    UPLOAD_PART,
    FaultSandbox,
    RetryLog,
    TaskErrors,
    assert_created,
    assert_no_partial_files,
    assert_published_as_delivered,
    fetch,
    load_dag,
    md5,
    task_states,
    try_numbers,
    xcoms_of,
)

PIPELINE = "article_to_stream"
CLAIM = "publish.article.claim"
BUILD = "publish.article.build_audio"
STREAM = "publish.article.stream_audio"


def run_pipeline(feed: Path, errors: TaskErrors, retries: int = 0, **conf: Any) -> Any:
    return load_dag(PIPELINE, retries=retries, errors=errors).test(run_conf={"feed": str(feed), **conf})


def assert_green(sandbox: FaultSandbox, run: Any) -> None:
    """The run succeeded, every scripted fault was used, one article published as delivered."""
    assert run.state == "success", task_states(run)
    assert sandbox.pending_faults() == [], "a scripted fault was never hit"
    assert_published_as_delivered(sandbox, run, articles=1)
    assert_no_partial_files(sandbox.tmp_path / "storage", sandbox.tmp_path / "audio")


def assert_no_corrupt_media(sandbox: FaultSandbox, run: Any) -> None:
    """After a failed run: any media whose upload completed holds exactly the delivered bytes."""
    delivered = {md5(fetch(build["uri"])) for build in xcoms_of(run, BUILD)}
    for media_id in sandbox.aioz_media_ids():
        stored = sandbox.media(media_id)
        assert [part["index"] for part in stored["parts"]] == list(range(1, len(stored["parts"]) + 1))
        if stored["status"] != "new":
            assert stored["md5"] in delivered, f"media {media_id} holds bytes AudioStack never delivered"


@pytest.fixture
def retry_log() -> Iterator[RetryLog]:
    handler = RetryLog()
    logger = logging.getLogger("airflow_provider_audio.client.http")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


# -- recoverable: retried by the client or the trigger, the run ends green ------------------------


def test_5xx_bursts_on_polls_reads_parts_and_the_delivery_end_green(
    faults: FaultSandbox, one_article: Path, errors: TaskErrors
) -> None:
    faults.fault(MATCH_POLL_AUDIOFORM, "503", count=2)  # the triggerer's polls of the build
    faults.fault(MATCH_LIST_MEDIA, "502", count=2)  # "already published?" and reuse look-ups
    faults.fault(MATCH_DELIVERY, "503", count=1)  # the transfer opening the delivered file
    faults.fault(MATCH_UPLOAD_PART, "500", count=2)
    faults.fault(MATCH_GET_MEDIA, "503", count=2)  # size check after complete, transcode polls
    faults.fault(MATCH_PATCH_MEDIA, "502", count=1)  # publishing

    run = run_pipeline(one_article, errors)

    stats = faults.stats()  # before the checks below, which read from the sandbox too
    assert_green(faults, run)
    assert_created(stats, audioforms=1, aioz=1, aioz_completed=1)
    requests = stats["requests"]
    assert requests[SUBMIT_AUDIOFORM] == requests[CREATE_MEDIA] == requests[COMPLETE] == 1
    assert requests[UPLOAD_PART] == 3  # one part, retried alone twice
    assert requests[POLL_AUDIOFORM] >= 3 and requests[DELIVERY] >= 3


def test_429s_are_waited_out_for_as_long_as_the_service_asks(
    faults: FaultSandbox, one_article: Path, errors: TaskErrors, retry_log: RetryLog
) -> None:
    # A 429 means the service did not act: even billed submits are sent again, after the asked wait.
    faults.fault(MATCH_SUBMIT_AUDIOFORM, "429", retry_after=ASKED_WAIT, retry_after_header="Retry-After")
    faults.fault(MATCH_CREATE_MEDIA, "429", retry_after=ASKED_WAIT)  # AIOZ: X-RateLimit-Retry-After
    faults.fault(MATCH_UPLOAD_PART, "429", retry_after=ASKED_WAIT)

    run = run_pipeline(one_article, errors)

    stats = faults.stats()
    assert_green(faults, run)
    assert_created(stats, audioforms=1, aioz=1, aioz_completed=1)
    requests = stats["requests"]
    assert requests[SUBMIT_AUDIOFORM] == requests[CREATE_MEDIA] == requests[UPLOAD_PART] == 2
    waits = {
        "Retry-After on POST /audioforms": retry_log.waits_after(
            "audiostack POST /audioforms failed with HTTP 429"
        ),
        "X-RateLimit-Retry-After on POST /media/create": retry_log.waits_after(
            "POST /media/create failed with HTTP 429"
        ),
        "X-RateLimit-Retry-After on a part": retry_log.waits_after("/part failed with HTTP 429"),
    }
    for header, seen in waits.items():
        assert len(seen) == 1, (header, retry_log.messages)
        # the asked wait plus at most 25 % jitter; the client's own first backoff would be 0.5 s
        assert ASKED_WAIT <= seen[0] <= ASKED_WAIT * 1.25 + 0.01, (header, seen)


def test_dropped_connections_on_polls_reads_parts_and_the_delivery_end_green(
    faults: FaultSandbox, one_article: Path, errors: TaskErrors
) -> None:
    faults.fault(MATCH_POLL_AUDIOFORM, "drop", count=2)
    faults.fault(MATCH_LIST_MEDIA, "drop", count=1)
    # skip=1: the transfer's size probe passes, its read of the bytes is cut off
    faults.fault(MATCH_DELIVERY, "drop", count=1, skip=1)
    faults.fault(MATCH_UPLOAD_PART, "drop", count=2)
    faults.fault(MATCH_GET_MEDIA, "drop", count=2)

    run = run_pipeline(one_article, errors)

    stats = faults.stats()  # before the checks below, which read from the sandbox too
    assert_green(faults, run)
    assert_created(stats, audioforms=1, aioz=1, aioz_completed=1)
    assert stats["requests"][UPLOAD_PART] == 3
    assert stats["requests"][SUBMIT_AUDIOFORM] == stats["requests"][CREATE_MEDIA] == 1


def test_reads_slower_than_the_read_timeout_are_retried(
    faults: FaultSandbox, one_article: Path, errors: TaskErrors
) -> None:
    for service in ("audiostack", "aiozstream"):
        faults.limit_client(service, read_timeout=READ_TIMEOUT)
    faults.fault(MATCH_POLL_AUDIOFORM, "slow", delay=SLOW_DELAY)  # the trigger's (async) poll
    faults.fault(MATCH_LIST_MEDIA, "slow", delay=SLOW_DELAY)
    faults.fault(MATCH_DELIVERY, "slow", delay=SLOW_DELAY, skip=1)  # the transfer's read of the bytes
    faults.fault(MATCH_GET_MEDIA, "slow", delay=SLOW_DELAY)

    run = run_pipeline(one_article, errors)

    stats = faults.stats()  # before the checks below, which read from the sandbox too
    assert_green(faults, run)
    assert_created(stats, audioforms=1, aioz=1, aioz_completed=1)
    requests = stats["requests"]
    assert requests[SUBMIT_AUDIOFORM] == requests[CREATE_MEDIA] == requests[COMPLETE] == 1
    # each slow call was given up on and sent again (and every fault was hit, see assert_green)
    assert requests[LIST_MEDIA] >= 3  # two look-ups, the first timed out once
    assert requests[DELIVERY] >= 3  # size probe, timed-out read, read
    assert requests[GET_MEDIA] >= 3 and requests[POLL_AUDIOFORM] >= 3


def test_a_task_retry_recovers_a_dropped_complete_without_paying_twice(
    faults: FaultSandbox, one_article: Path, errors: TaskErrors
) -> None:
    # With task retries (default_args={"retries": 1}), a dropped complete is done again by the
    # retry, which resumes the upload after its confirmed part instead of starting over.
    faults.fault(MATCH_COMPLETE, "drop")

    run = run_pipeline(one_article, errors, retries=1)

    stats = faults.stats()
    assert_green(faults, run)
    assert try_numbers(run, BUILD) == [1] and try_numbers(run, STREAM) == [2]
    assert_created(stats, audioforms=1, aioz=1, aioz_completed=1)
    assert stats["requests"][UPLOAD_PART] == 1  # the part was confirmed once and never sent again
    assert stats["requests"][COMPLETE] == 2


def test_a_retry_never_sends_again_a_submit_whose_answer_was_lost(
    faults: FaultSandbox, one_article: Path, errors: TaskErrors
) -> None:
    # A dropped submit may have started (and billed) a build AudioStack cannot be asked about: the
    # build operator's default on_lost_submit="fail" makes its retry fail, naming the lost request,
    # instead of paying a second time. (on_lost_submit="resubmit" is tested in tests/system.)
    faults.fault(MATCH_SUBMIT_AUDIOFORM, "drop")

    run = run_pipeline(one_article, errors, retries=1)

    assert run.state == "failed"
    assert try_numbers(run, BUILD) == [2]
    errors.named(f"{BUILD}[0] try 2", "AudioLostSubmitError", "POST /audioforms", "on_lost_submit='fail'")
    stats = faults.stats()
    assert stats["requests"][SUBMIT_AUDIOFORM] == 1
    # the article's claim (its media, made before the build) is deleted: a later run may take it
    assert_created(stats, audioforms=0, aioz=1)
    assert stats["aioz"]["deleted"] == 1


def test_a_truncated_size_probe_of_the_delivery_never_publishes_a_partial_media(
    faults: FaultSandbox, one_article: Path, errors: TaskErrors
) -> None:
    # The first read of the delivered file (the transfer's size probe) is cut off after a promised
    # 1024 bytes. The transfer must notice that the bytes it reads are not the size it was told,
    # fail without completing the media, and its retry must publish the whole file.
    faults.limit_client("audiostack", max_attempts=2)
    faults.fault(MATCH_DELIVERY, "drop")

    run = run_pipeline(one_article, errors, retries=1)

    stats = faults.stats()
    assert_green(faults, run)
    errors.named(f"{STREAM}[0] try 1", "audiostack GET /audiostack/delivery/", "announced 1024 bytes")
    assert try_numbers(run, STREAM) == [2]
    # the retry uploads into the same media, the article's claim, from its first part
    assert_created(stats, audioforms=1, aioz=1, aioz_completed=1)
    assert stats["aioz"]["deleted"] == 0


def test_one_failing_article_costs_only_itself(
    faults: FaultSandbox, tmp_path: Path, errors: TaskErrors
) -> None:
    # Three articles, the middle one unreadable (an empty body is refused before its build is paid
    # for): the other two are built, streamed and published, and the run's report names the one
    # that failed, at which step and why.
    feed = tmp_path / "three"
    feed.mkdir()
    for source in sorted(SAMPLE_ARTICLES.glob("*.json")):
        (feed / source.name).write_text(source.read_text())
    broken = json.loads((feed / "2026-11-18-harbour-lights.json").read_text())
    (feed / "2026-11-18-harbour-lights.json").write_text(json.dumps({**broken, "body": ""}))

    run = run_pipeline(feed, errors)

    assert run.state == "failed"
    assert assert_published_as_delivered(faults, run, articles=2)
    # three claims; the failed article's deleted, so that a later run may take it
    stats = faults.stats()
    assert_created(stats, audioforms=2, aioz=3, aioz_completed=2)
    assert stats["aioz"]["deleted"] == 1
    errors.named(
        "publish.report",
        "1 of 3 article(s) failed",
        "harbour-lights-2026-11-18: build_audio: AudioInputError",
    )


# -- unrecoverable: the task fails with a clear error, and nothing is sent twice -----------------

# fmt: off
BILLED_CALLS = [
    # the article's media is created first, as its claim, before the build is paid for
    pytest.param(MATCH_SUBMIT_AUDIOFORM, "500", SUBMIT_AUDIOFORM, BUILD, "audiostack POST /audioforms", {"audioforms": 0, "aioz": 1}, id="audioform-500"),
    pytest.param(MATCH_SUBMIT_AUDIOFORM, "drop", SUBMIT_AUDIOFORM, BUILD, "audiostack POST /audioforms", {"audioforms": 0, "aioz": 1}, id="audioform-drop"),
    pytest.param(MATCH_CREATE_MEDIA, "502", CREATE_MEDIA, CLAIM, "aiozstream POST /media/create", {"audioforms": 0, "aioz": 0}, id="media-502"),
    pytest.param(MATCH_CREATE_MEDIA, "drop", CREATE_MEDIA, CLAIM, "aiozstream POST /media/create", {"audioforms": 0, "aioz": 0}, id="media-drop"),
    pytest.param(MATCH_COMPLETE, "503", COMPLETE, STREAM, "/complete failed", {"audioforms": 1, "aioz": 1, "aioz_completed": 0}, id="complete-503"),
    pytest.param(MATCH_COMPLETE, "drop", COMPLETE, STREAM, "/complete failed", {"audioforms": 1, "aioz": 1, "aioz_completed": 0}, id="complete-drop"),
]
SLOW_SUBMITS = [
    pytest.param(MATCH_SUBMIT_AUDIOFORM, SUBMIT_AUDIOFORM, BUILD, "audiostack POST /audioforms", "audioforms", id="audioform"),
    pytest.param(MATCH_CREATE_MEDIA, CREATE_MEDIA, CLAIM, "aiozstream POST /media/create", "aioz", id="media"),
]
# fmt: on


@pytest.mark.parametrize(("match", "kind", "route", "task_id", "names", "created"), BILLED_CALLS)
def test_a_5xx_or_a_drop_on_a_billed_call_fails_the_task_without_resending_it(
    faults: FaultSandbox,
    one_article: Path,
    errors: TaskErrors,
    match: str,
    kind: str,
    route: str,
    task_id: str,
    names: str,
    created: dict[str, int],
) -> None:
    # The service may have started the paid work before failing: the call is never sent again.
    faults.fault(match, kind)

    run = run_pipeline(one_article, errors)

    assert run.state == "failed"
    assert task_states(run)[task_id] == ["failed"]
    cause = f"HTTP {kind}" if kind != "drop" else "no response: ChunkedEncodingError"
    errors.named(f"{task_id}[0] try 1", names, cause)
    assert faults.count(route) == 1
    assert_created(faults.stats(), **created)
    assert_no_corrupt_media(faults, run)


@pytest.mark.parametrize(("match", "route", "task_id", "names", "counter"), SLOW_SUBMITS)
def test_a_billed_submit_slower_than_the_read_timeout_is_not_resent(
    faults: FaultSandbox,
    one_article: Path,
    errors: TaskErrors,
    match: str,
    route: str,
    task_id: str,
    names: str,
    counter: str,
) -> None:
    for service in ("audiostack", "aiozstream"):
        faults.limit_client(service, read_timeout=READ_TIMEOUT)
    faults.fault(match, "slow", delay=SLOW_DELAY)

    run = run_pipeline(one_article, errors)
    stats = faults.stats_after_slow_requests(run_ended=time.monotonic())

    # The sandbox acted on the slow request after its delay: exactly one request, one job.
    assert stats["requests"][route] == 1
    assert_created(stats, **{counter: 1})
    assert run.state == "failed"
    assert task_states(run)[task_id] == ["failed"]
    errors.named(f"{task_id}[0] try 1", names, "no response: ReadTimeout")
    assert_no_corrupt_media(faults, run)


def test_an_unknown_voice_fails_the_article_before_any_build_is_paid(
    faults: FaultSandbox, one_article: Path, errors: TaskErrors
) -> None:
    # AudioStack lists its voices: a voice it does not list is refused before the paid submit,
    # naming the field and the voices there are.
    run = run_pipeline(one_article, errors, retries=1, voice="nobody-by-that-name")

    assert run.state == "failed"
    assert task_states(run)[BUILD] == ["failed"]
    assert try_numbers(run, BUILD) == [1]  # bad input is not retried
    errors.named(
        f"{BUILD}[0] try 1", "AudioInputError", "'nobody-by-that-name'", "GET /speech/voice", "'sara'"
    )
    stats = faults.stats()
    # only the article's claim was made (free), and deleted when the article failed
    assert_created(stats, audioforms=0, aioz=1)
    assert stats["aioz"]["deleted"] == 1
    assert stats["requests"].get(SUBMIT_AUDIOFORM, 0) == 0


def test_a_failed_build_fails_the_task_naming_the_audioform_and_its_error(
    faults: FaultSandbox, errors: TaskErrors
) -> None:
    # A build AudioStack accepts and then fails (an encoder preset AudioStack offers and the
    # sandbox cannot encode): HTTP 200 with data.errors fails the task with the build's errors.
    # (With task retries, a retry submits a failed build anew, as the operators document.)
    audioform = {
        "header": {"version": "1"},
        "assets": {"speech": {"type": "tts", "text": "The ferry leaves at nine.", "voice": "sara"}},
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": "ogg"},
    }
    kwargs = {"audioform": audioform, "poll_interval": 0.2}
    run = faults.run_operator(
        "airflow_provider_audio.operators.audiostack.AudioStackBuildAudioformOperator", kwargs, errors
    )

    assert run.state == "failed"
    (audioform_id,) = xcoms_of(run, "run", key="audioform_id")
    errors.named(f"audioform {audioform_id} failed to build", "delivery.encoderPreset", "'ogg'")
    stats = faults.stats()
    assert_created(stats, audioforms=1)
    assert stats["audioforms"]["failed"] == 1
    assert stats["requests"][SUBMIT_AUDIOFORM] == 1
