"""
What the benchmarks share: the sandbox as a child process in its own process group, child
processes with bounded run times, Airflow homes, /proc readings, and the shape of a result section.

Every server and child runs on 127.0.0.1 and in a process group of its own, killed at the end.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
from audio_sandbox import SandboxProcess
from audio_sandbox.core.errors import SERVICE_NAMES

REPO = Path(__file__).resolve().parent.parent
#: Scratch space (ignored by git): generated files, child logs, compiled bytecode, Airflow homes.
OUT = REPO / "bench" / "out"
KEY = "bench-sandbox-key"
#: The AIOZ Stream public key that goes with ``KEY`` as its secret key.
AIOZ_PUBLIC_KEY = "bench-sandbox-public"
MIB = 1024 * 1024
#: Compiled bytecode of every child, kept out of the source tree (the environment may set
#: PYTHONDONTWRITEBYTECODE; a deployed Airflow has its .pyc files, so children get theirs here).
PYCACHE = OUT / "pycache"


@dataclass(frozen=True)
class Target:
    """
    One target of a benchmark, judged by code.

    :param name: what is judged.
    :param goal: the target, as text (``< 50 KiB``).
    :param measured: the measured value, as text.
    :param met: whether the measured value meets the goal.
    """

    name: str
    goal: str
    measured: str
    met: bool

    @property
    def verdict(self) -> str:
        return "met" if self.met else "MISSED"


@dataclass
class Section:
    """
    A benchmark's result: its markdown (a ``##`` section) and its judged targets.

    :param title: the section's title.
    :param markdown: the whole section, heading included.
    :param targets: the judged targets.
    :param seconds: the benchmark's wall time.
    :param load: the machine's 1-minute load average before and after it, as text.
    """

    title: str
    markdown: str
    targets: list[Target] = field(default_factory=list)
    seconds: float = 0.0
    load: str = ""


def targets_table(targets: Sequence[Target]) -> list[str]:
    """Markdown lines of a table of targets."""
    lines = ["| target | goal | measured | verdict |", "|---|---|---|---|"]
    lines += [f"| {t.name} | {t.goal} | {t.measured} | **{t.verdict}** |" for t in targets]
    return lines


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by the nearest-rank method; ``nan`` for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return float(ordered[rank - 1])


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """
    The environment of a child: the repo importable, and the DAGs folder as Airflow puts it on
    ``sys.path`` (the examples import ``audio_examples`` from it); bytecode cached under ``bench/out``.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), str(REPO / "dags_examples"), os.environ.get("PYTHONPATH")])
    )
    env.update(extra or {})
    return env


def cpu_seconds_of(pid: int, children: bool = False) -> float:
    """
    User + system CPU seconds of a running process, from /proc; with ``children``, those of the
    children it has reaped too.
    """
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(value) for value in fields[11 : 15 if children else 13]) / ticks


def stop_group(process: subprocess.Popen[Any], grace: float = 15.0) -> None:
    """SIGTERM the process group of ``process`` (started with ``start_new_session``), then SIGKILL."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=grace)


def run_child(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    log: Path,
    stdout: Path | None = None,
    cwd: Path = REPO,
) -> subprocess.CompletedProcess[str]:
    """
    Run a child in its own process group with a hard time limit; stderr goes to ``log``.

    :param stdout: a file for the child's stdout; by default it is returned.
    :raises RuntimeError: on a non-zero exit or a timeout (the group is killed), naming the log.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as err, (stdout or Path(os.devnull)).open("w") as out:
        process = subprocess.Popen(
            list(args),
            stdout=out if stdout is not None else subprocess.PIPE,
            stderr=err,
            text=True,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_group(process, grace=5)
            raise RuntimeError(f"{' '.join(args[:4])} ran over {timeout:.0f} s; see {log}") from None
        finally:
            if process.poll() is None:
                stop_group(process, grace=5)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} exited {process.returncode}; see {log}")
    return subprocess.CompletedProcess(list(args), process.returncode, output or "", "")


def last_json_line(text: str) -> dict[str, Any]:
    """The last line of ``text`` that is a JSON object (children report one)."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            value: dict[str, Any] = json.loads(line)
            return value
    raise ValueError(f"no JSON report in the child's output: {text[-500:]!r}")


class Sandbox(SandboxProcess):
    """
    The sandbox of a benchmark: :class:`SandboxProcess` with the bench's key, child environment and
    log (``bench/out/<name>.log``), plus the admin routes and the CPU time the benchmarks read.

    ``with Sandbox(build_seconds=60) as sandbox: sandbox.stats()``

    :param name: names the log, ``bench/out/<name>.log``.
    :param knobs: sandbox flags without the dashes (``build_seconds=60`` -> ``--build-seconds 60``).
    """

    def __init__(self, name: str = "sandbox", **knobs: float | str) -> None:
        super().__init__(
            api_key=KEY,
            log=OUT / f"{name}.log",
            env=child_env(),
            cwd=REPO,
            start_timeout=60,
            aioz_public_key=AIOZ_PUBLIC_KEY,
            **knobs,
        )
        self.session = requests.Session()

    def connections_env(self, conn_suffix: str = "DEFAULT") -> dict[str, str]:
        """``AIRFLOW_CONN_<SERVICE>_<SUFFIX>`` of the four services, pointing here (JSON form)."""
        return {
            f"AIRFLOW_CONN_{service.upper()}_{conn_suffix}": json.dumps(
                {
                    "conn_type": service,
                    "host": self.service_url(service),
                    "password": self.api_key,
                    "extra": {"public_key": AIOZ_PUBLIC_KEY} if service == "aiozstream" else {},
                }
            )
            for service in SERVICE_NAMES
        }

    def stats(self) -> dict[str, Any]:
        response = self.session.get(f"{self.base_url}/_sandbox/stats", timeout=30)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def reset(self) -> None:
        self.session.post(f"{self.base_url}/_sandbox/reset", timeout=30).raise_for_status()

    def patch_settings(self, **knobs: Any) -> None:
        self.session.patch(f"{self.base_url}/_sandbox/settings", json=knobs, timeout=30).raise_for_status()

    def cpu_seconds(self) -> float:
        return cpu_seconds_of(self.pid)

    def stop(self, timeout: float = 15.0) -> None:
        self.session.close()
        super().stop(timeout)


def requests_of(stats: Mapping[str, Any], prefix: str = "") -> dict[str, int]:
    """The sandbox's request counters whose route starts with ``prefix`` (``"GET /audiostack"``...)."""
    counts: dict[str, int] = stats.get("requests", {})
    return {key: value for key, value in counts.items() if key.split(" ", 1)[-1].startswith(prefix)}


def airflow_env(home: Path, sandbox: Sandbox) -> dict[str, str]:
    """
    An isolated Airflow (SQLite under ``home``); four ``*_default`` connections point at ``sandbox``.

    ``dag.test()`` runs DAGs found in a bundle: the examples, and the benchmarks' own (``bench/dags``).
    """
    bundles = {"dags-folder": REPO / "dags_examples", "bench-dags": REPO / "bench" / "dags"}
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(bundles["dags-folder"]),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(
            [
                {
                    "name": name,
                    "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                    "kwargs": {"path": str(path)},
                }
                for name, path in bundles.items()
            ]
        ),
        **sandbox.connections_env(),
    }


def airflow_template(template: Path = OUT / "airflow-template") -> Path:
    """A migrated SQLite metadata database (migrated once, then reused); returns its path."""
    database = template / "airflow.db"
    if not database.exists():
        template.mkdir(parents=True, exist_ok=True)
        env = child_env(
            {
                "AIRFLOW_HOME": str(template),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{database}",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            }
        )
        run_child(
            [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
            env=env,
            timeout=300,
            log=OUT / "airflow-migrate.log",
        )
    return database


def migrated_airflow_home(home: Path) -> Path:
    """
    ``home`` emptied, with a freshly migrated SQLite metadata database (a copy of the template).

    Migrating takes tens of seconds; every benchmark that runs DAGs copies the template instead.
    """
    database = airflow_template()
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    shutil.copy2(database, home / "airflow.db")
    return home


def section_main(run: Callable[[], Section], argv: Sequence[str] | None = None) -> int:
    """
    ``python -m bench.<name> [--out FILE] [--json FILE]``: run one benchmark and print its section.

    ``--out`` also writes the section's markdown, ``--json`` the section with its judged targets
    (what ``bench.run_all`` reads).
    """
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=None, help="also write the section to this file")
    parser.add_argument("--json", type=Path, default=None, help="write the section and targets as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    section = run()
    section.seconds = time.perf_counter() - started
    text = section.markdown.rstrip() + "\n"
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(section)))
    print(text)
    print(f"({section.title}: {section.seconds:.0f} s)")
    return 0
