"""
``make demo``: the article -> audio DAG under real Airflow against the built-in sandbox.

Starts the sandbox on 127.0.0.1, points the connections at it through ``AIRFLOW_CONN_*``
variables, keeps Airflow's metadata in SQLite under ``.demo/``, runs ``article_to_audio`` with
``dag.test()`` (the build is waited on through the deferrable path) and prints the file's path
and duration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path

from airflow_provider_audio.sandbox.errors import SERVICE_NAMES

REPO = Path(__file__).resolve().parent.parent
DEMO_HOME = REPO / ".demo"
DEMO_KEY = "demo-sandbox-key"


def start_sandbox() -> tuple[subprocess.Popen[str], str]:
    """The sandbox as a child process on a free loopback port; returns it and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_audio.sandbox", "--port", "0", "--api-key", DEMO_KEY],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "AUDIO_SANDBOX_BUILD_SECONDS": os.environ.get("AUDIO_SANDBOX_BUILD_SECONDS", "3")},
    )
    assert process.stdout is not None
    first_line = process.stdout.readline().strip()
    if "http://" not in first_line:
        process.terminate()
        raise SystemExit(f"the sandbox did not start: {first_line!r}")
    return process, first_line[first_line.index("http://") :]


def configure_airflow(sandbox_url: str, output_dir: Path) -> None:
    """Airflow home, SQLite metadata DB and connections, all through environment variables."""
    airflow_home = DEMO_HOME / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags_examples"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AUDIO_OUTPUT_DIR": f"file://{output_dir}",
        }
    )
    for name, service in SERVICE_NAMES.items():
        os.environ[f"AIRFLOW_CONN_{name.upper()}_DEFAULT"] = json.dumps(
            {"conn_type": name, "host": sandbox_url + service.prefix, "password": DEMO_KEY}
        )
    subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    output_dir = DEMO_HOME / "audio"
    output_dir.mkdir(parents=True, exist_ok=True)
    sandbox, sandbox_url = start_sandbox()
    try:
        configure_airflow(sandbox_url, output_dir)
        before = set(output_dir.glob("*.wav"))
        from dags_examples.article_to_audio import dag

        run = dag.test()
        produced = sorted(set(output_dir.glob("*.wav")) - before)
        if run.state != "success" or len(produced) != 1:
            print(f"\nDemo FAILED: run state {run.state}, files {produced}", file=sys.stderr)
            return 1
        with wave.open(str(produced[0])) as audio:
            duration = audio.getnframes() / audio.getframerate()
        print(f"\nDemo finished: run {run.run_id} is {run.state}")
        print(f"  audio file: {produced[0]}")
        print(f"  duration:   {duration:.1f} s")
        return 0
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
