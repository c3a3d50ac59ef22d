"""The "Still working" lines of a wait: what is waited on, how it stands, elapsed time and the
deadline; elapsed counts from the submit kept in the trigger's arguments, across restarts."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable

import httpx
import pytest

from airflow_provider_audio.client.http import AsyncApiClient
from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger
from tests.still_working import DEADLINE_CLOCK

BUILDING = {"message": "Audioform is being built", "audioformId": "af-1"}
BUILT = {
    "message": "Audioform built",
    "data": {
        "audioformId": "af-1",
        "result": {"delivery": {"uri": "https://cdn.test/af-1.wav"}},
        "errors": [],
    },
}
# A structlog console line: time, [level], the message, [logger], key=values.
MESSAGE = re.compile(r"\[info\s*\] (?P<message>Still working .*?) \[airflow_provider_audio\.triggers")
STILL_WORKING = re.compile(
    r"^Still working on audioform af-1: building; (?P<elapsed>\S+) elapsed, "
    rf"deadline (?P<clock>{DEADLINE_CLOCK}) \(in (?P<left>\S+)\)$"
)


@pytest.fixture
def building_then_built(monkeypatch: pytest.MonkeyPatch, audiostack_conn: str) -> Callable[[int], None]:
    """The build answers 202 ``polls`` times, then 200 with its delivery."""

    def install(polls: int) -> None:
        answers = [(202, BUILDING)] * polls + [(200, BUILT)]

        def handler(request: httpx.Request) -> httpx.Response:
            status, body = answers.pop(0) if len(answers) > 1 else answers[0]
            return httpx.Response(status, json=body)

        patched = functools.partial(AsyncApiClient, transport=httpx.MockTransport(handler))
        monkeypatch.setattr("airflow_provider_audio.hooks.base.AsyncApiClient", patched)

    return install


def trigger(**kwargs: float | None) -> AudioStackResourceTrigger:
    return AudioStackResourceTrigger(
        conn_id="audiostack_default",
        resource="audioform",
        resource_ids=["af-1"],
        poll_interval=0.01,
        **kwargs,  # type: ignore[arg-type]
    )


async def still_working(capsys: pytest.CaptureFixture[str], waited: AudioStackResourceTrigger) -> list[str]:
    """The trigger's "Still working" messages, as its logger (structlog, as in the triggerer) wrote them."""
    capsys.readouterr()
    events = [event async for event in waited.run()]
    assert events[0].payload["status"] == "success"
    found = (MESSAGE.search(line) for line in capsys.readouterr().out.splitlines())
    return [match["message"].rstrip() for match in found if match]


async def test_each_poll_says_elapsed_time_and_deadline(
    building_then_built: Callable[[int], None], capsys: pytest.CaptureFixture[str]
) -> None:
    building_then_built(3)
    submitted = time.time() - 130  # the build was submitted 2m10s ago
    deadline = time.time() + 3470
    lines = await still_working(capsys, trigger(deadline=deadline, started_at=submitted))
    assert len(lines) == 3, lines
    for line in lines:
        match = STILL_WORKING.match(line)
        assert match, line
        assert match["elapsed"] == "2m10s"
        assert match["left"] in ("57m50s", "57m49s")
        assert match["clock"].endswith(time.strftime("%H:%M:%S UTC", time.gmtime(deadline)))


async def test_elapsed_survives_a_restart_through_the_serialized_arguments(
    building_then_built: Callable[[int], None], capsys: pytest.CaptureFixture[str]
) -> None:
    # A restarted triggerer builds the trigger again from its serialized arguments.
    first = trigger(deadline=time.time() + 600, started_at=time.time() - 3725)
    _, kwargs = first.serialize()
    assert kwargs["started_at"] == first.started_at
    rebuilt = AudioStackResourceTrigger(**json.loads(json.dumps(kwargs)))
    building_then_built(1)
    (line,) = await still_working(capsys, rebuilt)
    assert "; 1h02m elapsed, deadline " in line


async def test_an_old_trigger_without_a_start_counts_from_its_wait(
    building_then_built: Callable[[int], None], capsys: pytest.CaptureFixture[str]
) -> None:
    # Serialized before started_at existed: no such argument at all.
    kwargs = trigger(deadline=time.time() + 7200).serialize()[1]
    del kwargs["started_at"]
    old = AudioStackResourceTrigger(**kwargs)
    building_then_built(1)
    (line,) = await still_working(capsys, old)
    match = STILL_WORKING.match(line)
    assert match and match["elapsed"].endswith("s") and "m" not in match["elapsed"], line
    assert match["left"] in ("1h59m", "2h00m")


@pytest.mark.parametrize(
    ("errors", "failure"),
    [
        (
            ["assets.bed: Sound template 'gone' is not available"],
            "audioform af-1 (asset 'bed') failed to build: Sound template 'gone' is not available",
        ),
        (
            [{"loc": ["audioform", "assets", "speech", "voice"], "msg": "Voice 'x' is not available"}],
            "audioform af-1 (asset 'speech') failed to build: Voice 'x' is not available",
        ),
        (
            ["assets.bed: no bed", "assets.speech.voice: no voice", "assets.bed: no bed"],
            "audioform af-1 failed to build: asset 'bed': no bed; asset 'speech': no voice",
        ),
        (
            ["delivery.encoderPreset: cannot encode 'ogg'"],
            "audioform af-1 failed to build: delivery.encoderPreset: cannot encode 'ogg'",
        ),
        ([], "audioform af-1 failed to build: Audioform build failed"),
    ],
)
async def test_a_failed_build_names_its_asset_and_its_event_reads_as_its_outcome(
    monkeypatch: pytest.MonkeyPatch, audiostack_conn: str, errors: list[object], failure: str
) -> None:
    failed = {
        "message": "Audioform build failed",
        "data": {"audioformId": "af-1", "result": {}, "errors": errors},
    }
    patched = functools.partial(
        AsyncApiClient, transport=httpx.MockTransport(lambda _: httpx.Response(200, json=failed))
    )
    monkeypatch.setattr("airflow_provider_audio.hooks.base.AsyncApiClient", patched)
    (event,) = [event async for event in trigger(deadline=time.time() + 60).run()]
    assert event.payload["status"] == "error"
    assert event.payload["message"] == failure
    # What the triggerer logs of the event ("Trigger fired event") leaves the errors to the task.
    assert repr(event) == "TriggerEvent<error on audioform af-1: the task fails, saying why>"


async def test_a_successful_event_reads_as_its_outcome(
    building_then_built: Callable[[int], None],
) -> None:
    building_then_built(0)
    (event,) = [event async for event in trigger(deadline=time.time() + 60).run()]
    assert event.payload["result"]["items"]["af-1"]["result"] == BUILT["data"]["result"]  # type: ignore[index]
    assert repr(event) == "TriggerEvent<success on audioform af-1: 1 audioform(s) ready>"
