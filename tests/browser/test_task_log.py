"""
A deferred build's log and links in Airflow's own UI, on a whole Airflow (scheduler, triggerer,
dag-processor, api-server; ``tests/scheduler``'s stack) against the sandbox, whose builds take 20 s.

One build is delivered: its log (as the REST API serves it to the UI) shows "Still working" lines
with the elapsed time and the deadline, written in the triggerer, then the task's one summary line;
its links are the delivered audio and no AudioStack platform (the sandbox is no AudioStack host).
One build fails: its log says the failure once, naming the audioform asset, and the event the
triggerer logs does not repeat it. Then headless Chromium opens the delivered build's log page and
takes the screenshot the docs show (``docs/images/deferred-build-log.png`` under ``make
screenshots``).

The stack takes about a minute and a half to start, run and stop: this runs only when
``AUDIO_UI_SCREENSHOTS`` is set (``make screenshots`` sets it), not in ``make test``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.browser.conftest import SCREENSHOTS_ENV
from tests.browser.dags.deferred_build_log import BUILD_DAG_ID, FAILED_DAG_ID
from tests.scheduler.conftest import AirflowStack, running_stack
from tests.still_working import STILL_WORKING

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.skipif(
    not os.environ.get(SCREENSHOTS_ENV),
    reason=f"runs a whole Airflow stack (about 90 s): `make screenshots` runs it ({SCREENSHOTS_ENV} set)",
)

DAGS = Path(__file__).resolve().parent / "dags"
RUN_ID = "evening-bulletin"
TASK_ID = "build_bulletin"
RUN_TIMEOUT = 180.0
SCREENSHOT = "deferred-build-log.png"
#: The screenshot's window: the log's lines wrapped to a width a docs page shows whole.
WINDOW = (1400, 1000)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowStack]:
    """The stack, with one run of each DAG finished."""
    with running_stack(tmp_path_factory.mktemp("airflow-task-log"), dags_folder=DAGS) as stack:
        for dag_id in (BUILD_DAG_ID, FAILED_DAG_ID):
            stack.wait_until_ready(dag_id)
        token = stack.api_token()
        for dag_id in (BUILD_DAG_ID, FAILED_DAG_ID):
            stack.trigger(dag_id, RUN_ID, token)
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            stack.check_alive()
            states = dict(stack.query("SELECT dag_id, state FROM dag_run WHERE run_id = ?", (RUN_ID,)) or [])
            if len(states) == 2 and set(states.values()) <= {"success", "failed"}:
                break
            assert time.monotonic() < deadline, f"runs not finished after {RUN_TIMEOUT:.0f} s: {states}"
            time.sleep(1)
        assert states == {BUILD_DAG_ID: "success", FAILED_DAG_ID: "failed"}
        yield stack


def api(stack: AirflowStack, path: str) -> Any:
    """A GET of the REST API (``/api/v2`` + ``path``) as ``admin``, its JSON."""
    response = requests.get(
        f"{stack.api_url}/api/v2{path}",
        headers={"Authorization": f"Bearer {stack.api_token()}", "Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:500]}"
    return response.json()


def log_lines(stack: AirflowStack, dag_id: str) -> list[dict[str, Any]]:
    """The task's log as the UI gets it: one entry per line (``event``, ``level``, key=values)."""
    body = api(stack, f"/dags/{dag_id}/dagRuns/{RUN_ID}/taskInstances/{TASK_ID}/logs/1")
    return [entry for entry in body["content"] if isinstance(entry, dict) and "event" in entry]


def test_the_delivered_build_logs_its_wait_and_one_summary_and_links_its_audio(stack: AirflowStack) -> None:
    lines = log_lines(stack, BUILD_DAG_ID)
    waits = [STILL_WORKING.match(line["event"]) for line in lines if "Still working" in line["event"]]
    # A 20 s build polled every 4 s, in the triggerer.
    assert len(waits) >= 3 and all(waits), [line["event"] for line in lines]
    elapsed = [float(wait["elapsed"].rstrip("s")) for wait in waits if wait]
    assert elapsed == sorted(elapsed) and elapsed[-1] >= 12.0, elapsed
    links = api(stack, f"/dags/{BUILD_DAG_ID}/dagRuns/{RUN_ID}/taskInstances/{TASK_ID}/links")["extra_links"]
    assert links["AudioStack platform"] is None  # the sandbox is no AudioStack host: no link shown
    audio = links["AudioStack audio"]
    assert audio.startswith(stack.sandbox_url)
    assert requests.get(audio, timeout=10).content[:4] == b"RIFF"
    (made,) = [line["event"] for line in lines if line["event"].startswith("Made audioform ")]
    assert re.fullmatch(
        rf"Made audioform {waits[0]['id']}: [\d.]+ s of audio, in \d+s; {re.escape(audio)}", made
    )


def test_the_failed_build_says_why_once_naming_its_asset(stack: AirflowStack) -> None:
    lines = log_lines(stack, FAILED_DAG_ID)
    text = "\n".join(str(line) for line in lines)
    reason = "Sound template 'no-such-bed' is not available"
    assert text.count(reason) == 1, text
    (failure,) = [line for line in lines if line["event"] == "Task failed with exception"]
    assert f"(asset 'bed') failed to build: {reason}" in str(failure)
    (fired,) = [line for line in lines if line["event"] == "Trigger fired event"]
    assert "the task fails, saying why" in str(fired["result"])


def test_screenshot_of_the_deferred_build_log(
    stack: AirflowStack, browser: WebDriver, screenshot_dir: Path
) -> None:
    from tests.browser.airflow_ui import TaskLogPage

    size = browser.get_window_size()
    browser.set_window_size(*WINDOW)
    try:
        page = TaskLogPage(browser, stack)
        page.open(BUILD_DAG_ID, RUN_ID, TASK_ID, showing="Made audioform")
        shown = page.log_text()
        assert (
            len(re.findall(r"Still working on audioform \S+: building; [\d.]+s elapsed, deadline ", shown))
            >= 3
        )
        page.screenshot(screenshot_dir / SCREENSHOT)
    finally:
        browser.set_window_size(size["width"], size["height"])
    assert (screenshot_dir / SCREENSHOT).stat().st_size > 10_000
