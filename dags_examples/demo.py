"""
``make demo``: the article -> audio -> stream DAG under real Airflow against the built-in sandbox.

Starts the sandbox on 127.0.0.1, points the connections at it through ``AIRFLOW_CONN_*``
variables, keeps Airflow's metadata in SQLite under ``.demo/``, runs ``article_to_stream`` with
``dag.test()`` (builds and transcoding are waited on through the deferrable path) and prints the
table of published episodes: article, audio duration, HLS URL, player URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from audio_sandbox import SandboxProcess
from audio_sandbox.core.errors import SERVICE_NAMES

DAGS_FOLDER = Path(__file__).resolve().parent
REPO = DAGS_FOLDER.parent
DEMO_HOME = REPO / ".demo"
DEMO_KEY = "demo-sandbox-key"
#: The AIOZ Stream public key that goes with ``DEMO_KEY`` as its secret key.
DEMO_AIOZ_PUBLIC_KEY = "demo-sandbox-public"


def demo_sandbox() -> SandboxProcess:
    """The sandbox as a child process; builds and transcoding take seconds unless set otherwise."""
    return SandboxProcess(
        api_key=DEMO_KEY,
        aioz_public_key=DEMO_AIOZ_PUBLIC_KEY,
        env={
            **os.environ,
            "AUDIO_SANDBOX_BUILD_SECONDS": os.environ.get("AUDIO_SANDBOX_BUILD_SECONDS", "3"),
            "AUDIO_SANDBOX_TRANSCODE_SECONDS": os.environ.get("AUDIO_SANDBOX_TRANSCODE_SECONDS", "2"),
        },
    )


def configure_airflow(sandbox: SandboxProcess, output_dir: Path) -> None:
    """Airflow home, SQLite metadata DB and connections, all through environment variables."""
    airflow_home = DEMO_HOME / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AUDIO_OUTPUT_DIR": f"file://{output_dir}",
            # The sandbox builds in seconds; the real services' default of 10 s would only add waiting.
            "AUDIO_POLL_SECONDS": os.environ.get("AUDIO_POLL_SECONDS", "1"),
        }
    )
    for name in SERVICE_NAMES:
        connection: dict[str, object] = {
            "conn_type": name,
            "host": sandbox.service_url(name),
            "password": sandbox.api_key,
        }
        if name == "aiozstream":
            connection["extra"] = {"public_key": DEMO_AIOZ_PUBLIC_KEY}
        os.environ[f"AIRFLOW_CONN_{name.upper()}_DEFAULT"] = json.dumps(connection)
    subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def published_table(run: object) -> str:
    """The table the DAG's last task returned, read from the metadata database."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        query = XComModel.get_many(
            run_id=run.run_id,  # type: ignore[attr-defined]
            key="return_value",
            dag_ids="article_to_stream",
            task_ids="publish.report",
        )
        row = session.scalars(query).first()
        return str(XComModel.deserialize_value(row)) if row is not None else "(no table)"


def main() -> int:
    output_dir = DEMO_HOME / "audio"
    output_dir.mkdir(parents=True, exist_ok=True)
    with demo_sandbox() as sandbox:
        configure_airflow(sandbox, output_dir)
        # The DAG file imports its helpers (audio_examples) from the DAGs folder, which Airflow puts
        # on sys.path when it parses the file; imported here, the demo does the same.
        if str(DAGS_FOLDER) not in sys.path:
            sys.path.append(str(DAGS_FOLDER))
        from article_to_stream import dag

        run = dag.test()
        if run.state != "success":
            print(f"\nDemo FAILED: run {run.run_id} is {run.state}", file=sys.stderr)
            return 1
        print(f"\nDemo finished: run {run.run_id} is {run.state}\n")
        print(published_table(run))
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
