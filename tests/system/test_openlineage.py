"""
OpenLineage: a build -> stream run under dag.test() with the OpenLineage provider's file transport
(every event a JSON line), against the sandbox. The build reads the audioform's JSON file and the
article its ``inlets`` name and outputs the delivered file; the stream reads that same file (so the
graph joins) and outputs the AIOZ Stream media.

dag.test() runs in a subprocess: the OpenLineage listener is registered when Airflow loads its
plugins, once per process, and only when a transport is configured by then.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

pytest.importorskip("airflow.providers.openlineage", reason="the [openlineage] extra is not installed")

AUDIOFORM = {
    "header": {"version": "1"},
    "assets": {"speech": {"type": "tts", "text": "Lineage of a narrated article.", "voice": "sara"}},
    "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
    "delivery": {"encoderPreset": "wav"},
}
RUN_TIMEOUT = 240


def complete_events(path: Path) -> dict[str, dict[str, Any]]:
    """The COMPLETE events of task jobs (``<dag>.<task>``) in the transport's file, by task id."""
    events: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return events
    for line in path.read_text().splitlines():
        event = json.loads(line)
        name = event["job"]["name"]
        if event["eventType"] == "COMPLETE" and name.count(".") == 1:
            events[name.split(".", 1)[1]] = event
    return events


def datasets(event: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    return [(dataset["namespace"], dataset["name"]) for dataset in event[kind]]


def test_build_then_stream_reports_its_inputs_and_outputs(
    sandbox_connections: SandboxServer, airflow_db: Path, tmp_path: Path
) -> None:
    lineage_file = tmp_path / "openlineage.jsonl"
    audioform_file = tmp_path / "audioform.json"
    audioform_file.write_text(json.dumps(AUDIOFORM))
    article_file = tmp_path / "article.json"
    article_file.write_text(json.dumps({"id": "a-1", "title": "Lineage", "body": "Narrated."}))
    env = {
        **os.environ,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(lineage_file), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "audio-tests",
        "AUDIO_TEST_AUDIOFORM_FILE": str(audioform_file),
        "AUDIO_TEST_ARTICLE_FILE": str(article_file),
    }
    code = (
        "import sys; sys.path.insert(0, 'dags_examples')\n"
        "from tests.system.lineage_dags.openlineage_build_stream import dag\n"
        "run = dag.test()\n"
        "print('RUN STATE', run.state)\n"
    )
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    assert "RUN STATE success" in finished.stdout, finished.stdout[-3000:] + finished.stderr[-5000:]
    # The listener may emit from a child process: wait for both tasks' COMPLETE events.
    events: dict[str, dict[str, Any]] = {}
    for _ in range(100):
        events = complete_events(lineage_file)
        if {"build", "stream"} <= set(events):
            break
        time.sleep(0.1)
    print(
        f"\nbuild -> stream under dag.test() in {time.monotonic() - started:.1f} s; events: {sorted(events)}"
    )
    assert {"build", "stream"} <= set(events), (
        lineage_file.read_text()[-3000:] if lineage_file.exists() else ""
    )
    build, stream = events["build"], events["stream"]
    for task, event in (("build", build), ("stream", stream)):
        print(f"{task}: inputs {datasets(event, 'inputs')}\n{task}: outputs {datasets(event, 'outputs')}")

    sandbox = urlsplit(sandbox_connections.base_url)
    api = f"http://{sandbox.netloc}"
    # The build read the audioform's file and the article its inlets name ...
    assert set(datasets(build, "inputs")) == {("file", str(audioform_file)), ("file", str(article_file))}
    # ... and made the delivered file (a URL: namespace scheme://host, name its path, no query).
    ((delivered_namespace, delivered_name),) = datasets(build, "outputs")
    assert delivered_namespace == api and delivered_name.startswith("/audiostack/")
    # Its run names the AudioStack audioform behind it.
    external = build["run"]["facets"]["externalQuery"]
    assert external["source"] == f"{api}/audiostack/audioforms/{external['externalQueryId']}"
    # The stream read that same file, and made the media on AIOZ Stream.
    assert datasets(stream, "inputs") == [(delivered_namespace, delivered_name)]
    ((media_namespace, media_name),) = datasets(stream, "outputs")
    assert media_namespace == api and media_name.startswith("/aiozstream/api/media/")
