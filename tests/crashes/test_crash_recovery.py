"""
Crashes on real Airflow components: the work already paid for or sent survives them.

1. A non-deferred build's task process is SIGKILLed while it polls: Airflow retries the task and
   the retry re-attaches to the same build (one ``POST /audioforms``).
2. An upload's task process is SIGKILLed while part 3 of 4 is on its way: the retry re-uses the
   media and sends only the parts not confirmed (parts 1 and 2 are not sent again).
3. The triggerer is stopped while a deferred build's trigger polls, and a new one started a few
   seconds later: it takes over the same trigger row, with the same deadline, and the task
   completes in its first try.

**The task process.** Under LocalExecutor in Airflow 3 a task is two processes, both in the
scheduler's session: a LocalExecutor worker running the task SDK's supervisor (titled
``airflow worker -- LocalExecutor: <ti id>``; it talks to the execution API, heartbeats, relays
logs) and the task runner it forked in a process group of its own (titled ``airflow worker --
<ti id>``), which imports the DAG and runs ``execute()``: the operator's submit, polling and
uploading happen there. The tests kill the task runner, as a crash of the task code would (OOM
killer, segfault); the supervisor lives on.

**How Airflow notices.** Not through heartbeats, so no timeout is lowered: the supervisor sees its
child exit with -9 at once (its sockets close) and logs "Process terminated by signal" in the
try's log. Airflow 3.3.2's supervisor then computes ``up_for_retry`` but sends nothing (that state
is in its ``STATES_SENT_DIRECTLY``, as if the task had sent it); the LocalExecutor worker reports
the workload finished, the scheduler finds the task instance still ``running`` ("task state
changed externally") and fails it into ``up_for_retry`` within its next loop (about 0.2 s here).
``[scheduler] task_instance_heartbeat_timeout`` (300 s) would only matter if the supervisor died
too. Airflow archives the killed try in ``task_instance_history`` as ``failed`` (it records any
unfinished state so).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import time
import wave
from pathlib import Path

import pytest

from tests.crashes.conftest import (
    SandboxAdmin,
    TaskInstanceRow,
    TaskProcesses,
    TaskWatch,
    cmdline,
    decrypt_trigger_kwargs,
    earlier_tries,
    find_task_processes,
    is_gone,
    state_store_value,
    task_instance,
    task_log,
    wait_for,
    watch_task,
)
from tests.crashes.dags.crash_dags import (
    BUILD_DAG_ID,
    BUILD_TASK_ID,
    PART_SIZE,
    TRIGGERER_DAG_ID,
    UPLOAD_DAG_ID,
    UPLOAD_TASK_ID,
)
from tests.scheduler.conftest import AirflowStack

pytestmark = [pytest.mark.crashes, pytest.mark.timeout(300)]

AUDIOFORMS_POST = "POST /audiostack/audioforms"
AUDIOFORM_GET_PREFIX = "/audiostack/audioforms/"
PART_ROUTE = ("/aiozstream/api/media/", "/part")
#: The operators' keys in the task state store.
AUDIOFORM_STATE_KEY = "audiostack_audioform"
UPLOAD_STATE_KEY = "aiozstream_upload"

#: Builds of the killed non-deferred task, and of the deferred one whose triggerer is restarted.
KILLED_BUILD_SECONDS = 15.0
# The new triggerer must take the trigger over before the build ends (else the row is gone before it
# is read): it does ~17 s after the trigger here, most of it the new triggerer's start-up.
DEFERRED_BUILD_SECONDS = 25.0
#: The upload: 16 MiB in parts of 5 MiB, so 4 parts (5 + 5 + 5 + 1 MiB).
UPLOAD_BYTES = 16 * 1024 * 1024
UPLOAD_PARTS = 4
#: Part 3 (after 2 let through) is held this long by the sandbox: the task is killed meanwhile.
SLOW_PART_SECONDS = 30.0
#: How long no triggerer runs between stopping the first and starting the second.
TRIGGERER_GAP_SECONDS = 3.0
#: Bound on Airflow noticing a killed task runner (it takes well under a second).
NOTICED_WITHIN_SECONDS = 15.0
SIGNAL_DEATH_LOGGED = "Process terminated by signal"


def kill_task_runner(stack: AirflowStack, ti: TaskInstanceRow) -> TaskProcesses:
    """SIGKILL the task runner of ``ti``; return both processes, after the runner has exited."""
    processes = wait_for(stack, f"the task runner of {ti.uuid}", lambda: find_task_processes(stack, ti), 30)
    assert processes.runner_pgid == processes.runner_pid, "the task runner leads a process group of its own"
    os.kill(processes.runner_pid, signal.SIGKILL)
    wait_for(stack, "the killed task runner to exit", lambda: is_gone(processes.runner_pid), 10)
    print(
        f"killed task runner pid {processes.runner_pid} ({processes.runner_cmdline!r}); its supervisor,"
        f" pid {processes.supervisor_pid} ({processes.supervisor_cmdline!r}), was left alive"
    )
    return processes


def assert_retried_after_the_kill(
    watch: TaskWatch,
    tries: list[tuple[int, str]],
    stack: AirflowStack,
    dag_id: str,
    run_id: str,
    task_id: str,
) -> None:
    """Airflow saw the kill at once, put try 1 up for retry, and ran try 2."""
    noticed = watch.first("up_for_retry", 1)
    assert noticed is not None and noticed < NOTICED_WITHIN_SECONDS, watch.describe()
    assert watch.first("running", 2) is not None, watch.describe()
    assert tries == [(1, "failed")]
    killed_log = task_log(stack, dag_id, run_id, task_id, "attempt=1.log")
    assert SIGNAL_DEATH_LOGGED in killed_log and "SIGKILL" in killed_log


def write_noise_wav(path: Path, size: int) -> str:
    """A mono 16-bit 44.1 kHz WAV file of exactly ``size`` bytes of seeded noise; its MD5."""
    frames = (size - 44) // 2
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(random.Random(20261120).randbytes(frames * 2))
    assert path.stat().st_size == size
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def test_killed_build_task_reattaches_to_its_build(crash_stack: AirflowStack, sandbox: SandboxAdmin) -> None:
    stack, run_id = crash_stack, "build-task-killed"
    sandbox.patch(build_seconds=KILLED_BUILD_SECONDS)
    try:
        triggered = time.monotonic()
        stack.trigger(BUILD_DAG_ID, run_id, stack.api_token())
        # Paid for, remembered, and polled from the task (deferrable=False).
        stored = wait_for(
            stack,
            "the audioform id in the task state store",
            lambda: state_store_value(stack, BUILD_DAG_ID, run_id, BUILD_TASK_ID, AUDIOFORM_STATE_KEY),
        )
        wait_for(stack, "the task polling its build", lambda: sandbox.count("GET", AUDIOFORM_GET_PREFIX))
        ti = task_instance(stack, BUILD_DAG_ID, run_id, BUILD_TASK_ID)
        assert ti is not None and (ti.state, ti.try_number) == ("running", 1), ti
        assert sandbox.stats()["requests"].get(AUDIOFORMS_POST) == 1

        killed = time.monotonic()
        processes = kill_task_runner(stack, ti)
        watch = watch_task(stack, BUILD_DAG_ID, run_id, BUILD_TASK_ID)
        ended = time.monotonic()

        stats = sandbox.stats()
        final = task_instance(stack, BUILD_DAG_ID, run_id, BUILD_TASK_ID)
        tries = earlier_tries(stack, BUILD_DAG_ID, run_id, BUILD_TASK_ID)
        retry_log = task_log(stack, BUILD_DAG_ID, run_id, BUILD_TASK_ID, "attempt=2.log")
        print(
            f"\nbuild of {KILLED_BUILD_SECONDS:.0f} s, killed {killed - triggered:.1f} s after the trigger;"
            f" run {watch.run_state} {ended - triggered:.1f} s after the trigger\n"
            f"after the kill: up_for_retry at {watch.first('up_for_retry', 1)} s,"
            f" try 2 running at {watch.first('running', 2)} s\n{watch.describe()}\n"
            f"earlier tries: {tries}\n"
            f"sandbox: {stats['requests']}; audioforms {stats['audioforms']}"
        )
        assert watch.run_state == "success"
        assert final is not None and (final.state, final.try_number) == ("success", 2), final
        assert_retried_after_the_kill(watch, tries, stack, BUILD_DAG_ID, run_id, BUILD_TASK_ID)
        # The retry re-attached to the build the first try paid for: AudioStack saw one submission.
        assert stats["requests"].get(AUDIOFORMS_POST) == 1
        assert stats["audioforms"]["created"] == 1
        (audioform_id,) = stored["resource_ids"]
        assert f"Re-attaching to audioform {audioform_id} from an earlier try" in retry_log
        # Only the task runner died: its supervisor (a long-lived LocalExecutor worker) lives on.
        assert cmdline(processes.supervisor_pid) is not None
    except BaseException:
        print(stack.diagnostics())
        raise


def test_killed_upload_task_resumes_after_the_confirmed_parts(
    crash_stack: AirflowStack, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    stack, run_id = crash_stack, "upload-task-killed"
    source = tmp_path / "episode.wav"
    source_md5 = write_noise_wav(source, UPLOAD_BYTES)
    sandbox.patch(transcode_seconds=1.0)
    # Parts 1 and 2 go through; part 3 is held (its body read, then nothing) while the task is killed.
    sandbox.fault(
        match="POST /aiozstream/api/media/*/part", kind="slow", skip=2, count=1, delay=SLOW_PART_SECONDS
    )
    try:
        triggered = time.monotonic()
        stack.trigger(UPLOAD_DAG_ID, run_id, stack.api_token(), conf={"source": str(source)})

        def two_parts_confirmed() -> dict[str, object] | None:
            state = state_store_value(stack, UPLOAD_DAG_ID, run_id, UPLOAD_TASK_ID, UPLOAD_STATE_KEY)
            return state if state and state.get("confirmed") == 2 else None

        stored = wait_for(stack, "2 parts confirmed in the task state store", two_parts_confirmed)
        media_id = str(stored["media_id"])
        wait_for(stack, "part 3 sent", lambda: sandbox.count("POST", *PART_ROUTE) == 3)
        held = sandbox.media(media_id)
        assert [part["index"] for part in held["parts"]] == [1, 2], held
        ti = task_instance(stack, UPLOAD_DAG_ID, run_id, UPLOAD_TASK_ID)
        assert ti is not None and (ti.state, ti.try_number) == ("running", 1), ti

        killed = time.monotonic()
        processes = kill_task_runner(stack, ti)
        watch = watch_task(stack, UPLOAD_DAG_ID, run_id, UPLOAD_TASK_ID)
        ended = time.monotonic()

        stats = sandbox.stats()
        media = sandbox.media(media_id)
        final = task_instance(stack, UPLOAD_DAG_ID, run_id, UPLOAD_TASK_ID)
        tries = earlier_tries(stack, UPLOAD_DAG_ID, run_id, UPLOAD_TASK_ID)
        retry_log = task_log(stack, UPLOAD_DAG_ID, run_id, UPLOAD_TASK_ID, "attempt=2.log")
        part_posts = sandbox.count("POST", *PART_ROUTE)
        print(
            f"\nupload of {UPLOAD_BYTES} bytes in {UPLOAD_PARTS} parts of {PART_SIZE}; killed in part 3,"
            f" {killed - triggered:.1f} s after the trigger; run {watch.run_state}"
            f" {ended - triggered:.1f} s after the trigger\n"
            f"after the kill: up_for_retry at {watch.first('up_for_retry', 1)} s,"
            f" try 2 running at {watch.first('running', 2)} s\n{watch.describe()}\n"
            f"earlier tries: {tries}\npart POSTs: {part_posts}; aioz {stats['aioz']}\n"
            f"media: status {media['status']}, {media['received_bytes']} bytes, md5 {media['md5']},"
            f" parts {[part['index'] for part in media['parts']]}"
        )
        assert watch.run_state == "success"
        assert final is not None and (final.state, final.try_number) == ("success", 2), final
        assert_retried_after_the_kill(watch, tries, stack, UPLOAD_DAG_ID, run_id, UPLOAD_TASK_ID)
        # One media: the retry carried on with the first try's, and nothing deleted it (SIGKILL: no on_kill).
        assert stats["aioz"]["created"] == 1
        assert stats["aioz"]["deleted"] == 0
        # Parts 1 and 2 once; part 3 from the killed try (held, maybe stored later: re-sending it is
        # accepted as the same part) and again from the retry; part 4 from the retry.
        assert part_posts == 5
        assert stats["aioz"]["parts_received"] == UPLOAD_PARTS
        assert [part["index"] for part in media["parts"]] == [1, 2, 3, 4]
        assert media["status"] == "done"
        assert media["received_bytes"] == UPLOAD_BYTES
        assert media["md5"] == source_md5
        assert f"Resuming media {media_id} from an earlier try: 2 of its parts were confirmed" in retry_log
        for index in (1, 2):
            assert f"Uploaded part {index}/{UPLOAD_PARTS}" not in retry_log
        for index in (3, 4):
            assert f"Uploaded part {index}/{UPLOAD_PARTS}" in retry_log
        assert cmdline(processes.supervisor_pid) is not None
    except BaseException:
        print(stack.diagnostics())
        raise


def test_restarted_triggerer_resumes_the_trigger_with_its_deadline(
    crash_stack: AirflowStack, sandbox: SandboxAdmin
) -> None:
    stack, run_id = crash_stack, "triggerer-restarted"
    sandbox.patch(build_seconds=DEFERRED_BUILD_SECONDS)
    try:
        triggered = time.monotonic()
        stack.trigger(TRIGGERER_DAG_ID, run_id, stack.api_token())

        def deferred() -> TaskInstanceRow | None:
            ti = task_instance(stack, TRIGGERER_DAG_ID, run_id, BUILD_TASK_ID)
            return ti if ti is not None and ti.state == "deferred" and ti.trigger_id is not None else None

        ti = wait_for(stack, "the task deferred", deferred)
        wait_for(stack, "the trigger polling the build", lambda: sandbox.count("GET", AUDIOFORM_GET_PREFIX))
        stored = state_store_value(stack, TRIGGERER_DAG_ID, run_id, BUILD_TASK_ID, AUDIOFORM_STATE_KEY)

        def trigger_row() -> tuple[str, int | None] | None:
            rows = stack.query("SELECT kwargs, triggerer_id FROM trigger WHERE id = ?", (ti.trigger_id,))
            return (str(rows[0][0]), rows[0][1]) if rows else None

        before_stop = wait_for(stack, "the trigger row", trigger_row)
        old_triggerer = stack.component("triggerer")
        stopping = time.monotonic()
        survivors = stack.stop(old_triggerer)
        stop_seconds = time.monotonic() - stopping
        assert not survivors, f"triggerer processes outlived SIGKILL: {survivors}"
        polls_at_stop = sandbox.count("GET", AUDIOFORM_GET_PREFIX)
        at_stop = trigger_row()

        # Nobody polls while no triggerer runs; the task waits, deferred, on the same trigger.
        time.sleep(TRIGGERER_GAP_SECONDS)
        assert sandbox.count("GET", AUDIOFORM_GET_PREFIX) == polls_at_stop
        waiting = task_instance(stack, TRIGGERER_DAG_ID, run_id, BUILD_TASK_ID)
        assert waiting is not None and (waiting.state, waiting.trigger_id) == ("deferred", ti.trigger_id)

        restarting = time.monotonic()
        stack.start_triggerer("triggerer-2")

        def adopted() -> tuple[str, int] | None:
            row = trigger_row()
            if row is None:
                now = task_instance(stack, TRIGGERER_DAG_ID, run_id, BUILD_TASK_ID)
                assert now is not None and now.state == "deferred", (
                    f"the trigger row went before its take-over was seen (task {now}): the build was too short"
                )
                return None
            if row[1] is None or row[1] == before_stop[1]:
                return None
            return row[0], row[1]

        after_restart = wait_for(
            stack, "the new triggerer to take the trigger over (before the build ended)", adopted
        )
        adopted_seconds = time.monotonic() - restarting
        watch = watch_task(stack, TRIGGERER_DAG_ID, run_id, BUILD_TASK_ID)
        ended = time.monotonic()

        decoded = decrypt_trigger_kwargs(stack, [before_stop[0], after_restart[0]])
        stats = sandbox.stats()
        final = task_instance(stack, TRIGGERER_DAG_ID, run_id, BUILD_TASK_ID)
        old_trigger_log, new_trigger_log = (
            task_log(stack, TRIGGERER_DAG_ID, run_id, BUILD_TASK_ID, f"attempt=1.log.trigger.{job}.log")
            for job in (before_stop[1], after_restart[1])
        )
        polls_after = sandbox.count("GET", AUDIOFORM_GET_PREFIX)
        print(
            f"\ndeferred build of {DEFERRED_BUILD_SECONDS:.0f} s; triggerer (job {before_stop[1]}) stopped"
            f" {stopping - triggered:.1f} s after the trigger, in {stop_seconds:.1f} s;"
            f" {TRIGGERER_GAP_SECONDS:.0f} s without a triggerer; the new one (job {after_restart[1]})"
            f" took the trigger over {adopted_seconds:.1f} s after its start;"
            f" run {watch.run_state} {ended - triggered:.1f} s after the trigger\n"
            f"trigger row at stop: triggerer {at_stop and at_stop[1]};"
            f" stored kwargs unchanged byte for byte: {before_stop[0] == after_restart[0]}\n"
            f"kwargs before the stop: {decoded[0]}\nkwargs after the restart: {decoded[1]}\n"
            f"task state store: {stored}\npolls: {polls_at_stop} before the stop, {polls_after} in all\n"
            f"{watch.describe()}\nsandbox: {stats['requests']}; audioforms {stats['audioforms']}"
        )
        assert stored is not None
        # The new triggerer runs the trigger from the same row, with the deadline set at submission.
        assert decoded[0]["deadline"] == decoded[1]["deadline"] == stored["deadline"]
        assert decoded[0] == decoded[1]
        assert decoded[1]["resource_ids"] == stored["resource_ids"]
        # The first triggerer ran the trigger and dropped it unfired; the second ran it to its event.
        assert "Stopped waiting on" in old_trigger_log and "Trigger fired event" not in old_trigger_log
        assert "starting" in new_trigger_log and "Trigger fired event" in new_trigger_log
        assert polls_after > polls_at_stop
        assert watch.run_state == "success"
        # Resumed, not retried: the first try completed, and AudioStack saw one submission.
        assert final is not None and (final.state, final.try_number) == ("success", 1), final
        assert stats["requests"].get(AUDIOFORMS_POST) == 1
        assert stats["audioforms"]["created"] == 1
    except BaseException:
        print(stack.diagnostics())
        raise
