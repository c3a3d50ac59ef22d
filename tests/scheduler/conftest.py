"""
Scheduler tests: DAGs run by real Airflow components (scheduler, triggerer, dag-processor and
api-server, each its own process) against a sandbox subprocess, all on 127.0.0.1.

The components get an environment of their own (a temporary ``AIRFLOW_HOME`` and SQLite database,
nothing inherited from the ``AIRFLOW*`` variables the test session sets for in-process tests), run
in their own sessions, and are killed group by group (then any process left in their sessions) at
teardown, so none outlives the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import requests
from audio_sandbox import SandboxProcess

from tests.conftest import SANDBOX_AIOZ_PUBLIC_KEY, SANDBOX_KEY, sandbox_connection
from tests.spec_judging import SPECS, assert_no_new_violations

HERE = Path(__file__).resolve().parent
DAGS_FOLDER = HERE / "dags"
AIRFLOW = Path(sys.executable).with_name("airflow")

#: The AudioStack builds of the sandbox subprocess take this long.
BUILD_SECONDS = 20.0
#: Bounds on getting everything up: the sandbox, ``db migrate``, then all components ready.
SANDBOX_START_TIMEOUT = 30.0
MIGRATE_TIMEOUT = 120.0
COMPONENTS_READY_TIMEOUT = 120.0
#: Teardown: each signal in turn to every component's process group still alive, then up to that
#: long for them to exit. The api-server needs ~4 s to exit after uvicorn has stopped, the triggerer
#: gives its trigger-runner subprocess up to 10 s; the second SIGTERM is there because the scheduler's
#: SIGTERM handler raises SystemExit, which is lost ("Exception ignored in ...") when the signal lands
#: in a garbage-collection callback.
STOP_SEQUENCE: tuple[tuple[signal.Signals, float], ...] = (
    (signal.SIGTERM, 10.0),
    (signal.SIGTERM, 10.0),
    (signal.SIGKILL, 5.0),
)
#: The api-server user the test triggers runs as (SimpleAuthManager, password in ``passwords.json``).
ADMIN_USER = "admin"
#: Airflow job types (``job.job_type``) that must be running before a DAG is triggered.
REQUIRED_JOBS = ("SchedulerJob", "TriggererJob", "DagProcessorJob")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "scheduler: runs DAGs on real Airflow components (scheduler, triggerer, dag-processor, api-server)",
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 60) -> str:
    """The last ``lines`` lines of a text file (or a note that it is missing)."""
    if not path.exists():
        return f"(no file {path})"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """``(state, pgrp, session)`` of a live process from ``/proc``; ``None`` when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    fields = raw[raw.rfind(")") + 2 :].split()
    return fields[0], int(fields[2]), int(fields[3])


def session_members(sid: int) -> list[int]:
    """Live (non-zombie) processes of session ``sid``, from ``/proc``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _proc_stat(int(entry.name))
        if stat is not None and stat[2] == sid and stat[0] != "Z":
            members.append(int(entry.name))
    return members


@dataclass
class Component:
    """One process started by the test, leader of its own session and process group."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    #: Stopped on purpose by the test (:meth:`AirflowStack.stop`): its exit is not a failure.
    stopped: bool = False

    @property
    def pgid(self) -> int:
        # start_new_session: the leader's pid is its session id and its process group id.
        return self.process.pid

    def members(self) -> list[int]:
        """Processes still alive in this component's session (its group and any subgroup)."""
        self.process.poll()  # reap the leader, so an exited one does not count as a zombie
        if Path("/proc").is_dir():
            return session_members(self.pgid)
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return []
        return [self.pgid]

    def signal(self, signum: signal.Signals) -> None:
        """``signum`` to the whole process group, then to any session member outside it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signum)
        # The task SDK puts each task runner in a process group of its own (same session).
        for pid in self.members():
            stat = _proc_stat(pid)
            if stat is not None and stat[1] != self.pgid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signum)


@dataclass
class AirflowStack:
    """A temporary Airflow installation: its environment, database, and the processes serving it."""

    home: Path
    # Not in the repr pytest prints on failures: it holds the JWT secret and the whole environment.
    env: dict[str, str] = field(repr=False)
    api_url: str
    #: The sandbox subprocess the components' connections point at (see :func:`start_sandbox`).
    sandbox: SandboxProcess | None = field(default=None, repr=False)
    #: The password of ``admin`` on the api-server (SimpleAuthManager).
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)
    components: list[Component] = field(default_factory=list, repr=False)

    @property
    def sandbox_url(self) -> str:
        if self.sandbox is None:
            raise RuntimeError("the stack's sandbox is not started")
        return self.sandbox.base_url

    @property
    def db_path(self) -> Path:
        return self.home / "airflow.db"

    @property
    def logs_dir(self) -> Path:
        return self.home / "component-logs"

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Component:
        """
        Start ``argv`` as one of the stack's components: in a new session, stdout and stderr to
        ``component-logs/<name>.log``, with the stack's environment and home unless ``env`` and
        ``cwd`` say otherwise.
        """
        component = self.launch(name, argv, env, cwd)
        self.components.append(component)
        return component

    def launch(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Component:
        """Start ``argv`` as :meth:`start` does, without counting it among the components."""
        self.logs_dir.mkdir(exist_ok=True)
        log_path = self.logs_dir / f"{name}.log"
        log_file = log_path.open("wb")
        process = subprocess.Popen(
            list(argv),
            env=dict(self.env if env is None else env),
            cwd=self.home if cwd is None else cwd,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return Component(name, process, log_path, log_file)

    def start_triggerer(self, name: str = "triggerer") -> Component:
        """Start a triggerer under ``name`` (a new name for a second one, after :meth:`stop`)."""
        return self.start(name, [str(AIRFLOW), "triggerer", "--skip-serve-logs"])

    def airflow(self, *args: str, timeout: float = 120.0) -> str:
        """
        Run one ``airflow`` CLI command in this installation and return its stdout; raise if it fails
        or outlasts ``timeout`` (then its whole process group is killed).
        """
        command = f"airflow {' '.join(args)}"
        process = subprocess.Popen(
            [str(AIRFLOW), *args],
            env=self.env,
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise AssertionError(
                f"{command} did not finish within {timeout:.0f} s\nstderr:\n{stderr[-3000:]}"
            ) from None
        if process.returncode != 0:
            raise AssertionError(
                f"{command} exited {process.returncode}\nstdout:\n{stdout[-3000:]}\nstderr:\n{stderr[-3000:]}"
            )
        return stdout

    def api_token(self) -> str:
        """A JWT for ``admin`` from the api-server (SimpleAuthManager's ``POST /auth/token``)."""
        response = requests.post(
            f"{self.api_url}/auth/token",
            json={"username": ADMIN_USER, "password": self.admin_password},
            timeout=30,
        )
        assert response.status_code == 201, f"login: {response.status_code} {response.text[:500]}"
        token: str = response.json()["access_token"]
        return token

    def trigger(
        self, dag_id: str, run_id: str, token: str, conf: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Create a manual run of ``dag_id`` through the public REST API; return the created run."""
        body: dict[str, Any] = {"dag_run_id": run_id, "logical_date": None}
        if conf is not None:
            body["conf"] = dict(conf)
        response = requests.post(
            f"{self.api_url}/api/v2/dags/{dag_id}/dagRuns",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, f"trigger: {response.status_code} {response.text[:500]}"
        run: dict[str, Any] = response.json()
        return run

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]] | None:
        """Rows of a read-only query of the metadata DB; ``None`` while it is locked or not created yet."""
        try:
            connection = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=2)
        except sqlite3.OperationalError:
            return None
        try:
            return connection.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return None
        finally:
            connection.close()

    def component(self, name: str) -> Component:
        """The component started under ``name`` (the latest, if several were)."""
        for component in reversed(self.components):
            if component.name == name:
                return component
        raise KeyError(f"no component {name!r}; started: {[c.name for c in self.components]}")

    def check_alive(self) -> None:
        """Fail at once if the sandbox or a component has exited (unless the test stopped the component)."""
        if self.sandbox is not None and (code := self.sandbox.returncode) is not None:
            raise AssertionError(f"the sandbox exited with code {code}")
        for component in self.components:
            if component.stopped:
                continue
            code = component.process.poll()
            if code is not None:
                raise AssertionError(f"{component.name} exited with code {code}")

    def wait_until_ready(self, dag_id: str, timeout: float = COMPONENTS_READY_TIMEOUT) -> float:
        """
        Wait for the execution API, the scheduler, triggerer and dag-processor jobs, and ``dag_id``
        parsed and unpaused; return the seconds waited.
        """
        started = time.monotonic()
        deadline = started + timeout
        missing: list[str] = []
        for _ in range(int(timeout / 0.5) + 1):
            self.check_alive()
            missing = []
            try:
                if requests.get(f"{self.api_url}/execution/health", timeout=2).status_code != 200:
                    missing.append("execution API health")
            except requests.RequestException:
                missing.append("execution API (not answering)")
            jobs = self.query("SELECT DISTINCT job_type FROM job WHERE state = 'running'")
            running = {row[0] for row in jobs or []}
            missing += [job for job in REQUIRED_JOBS if job not in running]
            dag = self.query(
                "SELECT d.is_paused FROM dag d JOIN serialized_dag s ON s.dag_id = d.dag_id WHERE d.dag_id = ?",
                (dag_id,),
            )
            if not dag:
                missing.append(f"DAG {dag_id} serialized")
            elif dag[0][0]:
                missing.append(f"DAG {dag_id} unpaused")
            if not missing:
                return time.monotonic() - started
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        errors = self.query("SELECT filename, stacktrace FROM import_error") or []
        raise AssertionError(
            f"not ready after {timeout:.0f} s; still missing: {missing}; import errors: {errors}"
        )

    def stop_all(self) -> list[str]:
        """
        Stop every component: its whole process group (and session) gets each signal of
        ``STOP_SEQUENCE`` in turn, with time to exit after each. Then the sandbox, which served them.

        Returns the components that still had live processes after SIGKILL (should be none).
        """
        alive = list(self.components)
        for signum, grace in STOP_SEQUENCE:
            for component in alive:
                component.signal(signum)
            alive = self._wait_for_exit(alive, grace)
            if not alive:
                break
            print(f"still running {grace:.0f} s after {signum.name}: {', '.join(c.name for c in alive)}")
        for component in self.components:
            component.log_file.close()
        if self.sandbox is not None:
            self.sandbox.stop()
        return [f"{c.name}: {c.members()}" for c in alive]

    def stop(
        self,
        component: Component,
        sequence: Sequence[tuple[signal.Signals, float]] = STOP_SEQUENCE,
    ) -> list[int]:
        """
        Stop one component as :meth:`stop_all` stops them all: each signal of ``sequence`` to its
        process group (and session) in turn, with time to exit after each. It no longer counts for
        :meth:`check_alive`; :meth:`stop_all` still sweeps its session at teardown.

        Returns the processes of its session still alive at the end (should be none).
        """
        component.stopped = True
        alive = [component]
        for signum, grace in sequence:
            component.signal(signum)
            alive = self._wait_for_exit(alive, grace)
            if not alive:
                break
        return component.members()

    @staticmethod
    def _wait_for_exit(components: list[Component], seconds: float) -> list[Component]:
        """The ``components`` that still have live processes after up to ``seconds``."""
        deadline = time.monotonic() + seconds
        alive = list(components)
        for _ in range(int(seconds / 0.1) + 1):
            alive = [component for component in alive if component.members()]
            if not alive or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return alive

    def diagnostics(self, lines: int = 60) -> str:
        """Tails of every component's log and of the task logs, for a failure report."""
        parts = [f"AIRFLOW_HOME={self.home}"]
        if self.sandbox is not None and self.sandbox.log is not None:
            parts.append(f"----- sandbox ({self.sandbox.log}) -----\n{tail(self.sandbox.log, lines)}")
        for component in self.components:
            parts.append(
                f"----- {component.name} ({component.log_path}) -----\n{tail(component.log_path, lines)}"
            )
        task_logs = sorted(path for root in self.task_log_roots() for path in root.glob("dag_id=*/**/*.log"))
        for path in task_logs[:3]:
            parts.append(f"----- task log {path} -----\n{tail(path, lines)}")
        return "\n".join(parts)

    def task_log_roots(self) -> list[Path]:
        """The folders the task logs are written under (the components share ``home``)."""
        return [self.home / "logs"]


def clean_env() -> dict[str, str]:
    """
    This process's environment without any ``AIRFLOW*`` variable (the session sets those for
    in-process tests) nor sandbox knob (``AUDIO_*``).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "_AIRFLOW", "AUDIO_"))
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


def component_env(
    home: Path, api_port: int, sandbox_url: str, jwt_secret: str, dags_folder: Path = DAGS_FOLDER
) -> dict[str, str]:
    """
    The environment of every Airflow process of the stack: :func:`clean_env` plus the settings;
    ``dags_folder`` is the one DAG bundle.
    """
    api_url = f"http://127.0.0.1:{api_port}"
    env = clean_env()
    # SimpleAuthManager (the default) reads the users' passwords from this file; see the fixture.
    passwords_file = home / "passwords.json"
    env.update(
        {
            "PATH": f"{AIRFLOW.parent}{os.pathsep}{env.get('PATH', '')}",
            # The dag-processor imports the DAG file; keep __pycache__ out of the repository.
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_COLOR": "1",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(
                [
                    {
                        "name": "dags-folder",
                        "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                        "kwargs": {"path": str(dags_folder)},
                    }
                ]
            ),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
            # Task processes call the execution API of the api-server (default: http://localhost:8080).
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
            "AIRFLOW__API__BASE_URL": api_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
            # The scheduler signs the task tokens the api-server checks: one secret for all components
            # (HS512 warns below 64 bytes).
            "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
            "AIRFLOW__API__SECRET_KEY": jwt_secret,
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
            # A task supervisor can notice its task process has exited (here: deferred) only when its
            # select() times out, after up to this many seconds (default 5), holding the slot meanwhile.
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            "AIRFLOW_CONN_AUDIOSTACK_DEFAULT": json.dumps(
                sandbox_connection("audiostack", f"{sandbox_url}/audiostack")
            ),
            "AIRFLOW_CONN_AIOZSTREAM_DEFAULT": json.dumps(
                sandbox_connection("aiozstream", f"{sandbox_url}/aiozstream/api")
            ),
        }
    )
    return env


def start_sandbox(stack: AirflowStack, judge: bool = True) -> SandboxProcess:
    """
    Start the sandbox subprocess (builds of ``BUILD_SECONDS``), its log beside the components'.

    :param judge: check every AIOZ Stream and AIML API exchange against the vendors' specs (a
        benchmark measuring throughput turns that cost off).
    """
    return SandboxProcess(
        api_key=SANDBOX_KEY,
        aioz_public_key=SANDBOX_AIOZ_PUBLIC_KEY,
        log=stack.logs_dir / "sandbox.log",
        env=stack.env,
        cwd=stack.home,
        start_timeout=SANDBOX_START_TIMEOUT,
        build_seconds=BUILD_SECONDS,
        **({"judge_specs": str(SPECS)} if judge else {}),
    ).start()


def start_components(stack: AirflowStack, api_port: int) -> None:
    """
    ``db migrate`` of ``stack``'s database, then its api-server (on ``api_port``), scheduler,
    triggerer and dag-processor, with the stack's environment.
    """
    (stack.home / "passwords.json").write_text(json.dumps({ADMIN_USER: stack.admin_password}))
    stack.airflow("db", "migrate", timeout=MIGRATE_TIMEOUT)
    stack.start("api-server", [str(AIRFLOW), "api-server", "--host", "127.0.0.1", "--port", str(api_port)])
    # --skip-serve-logs: their log servers would listen on every interface, on fixed ports
    # (8793, 8794); the api-server reads the task logs from the shared AIRFLOW_HOME instead.
    stack.start("scheduler", [str(AIRFLOW), "scheduler", "--skip-serve-logs"])
    stack.start_triggerer()
    stack.start("dag-processor", [str(AIRFLOW), "dag-processor"])


@contextlib.contextmanager
def served(stack: AirflowStack, judged: bool = True) -> Iterator[AirflowStack]:
    """
    Run the body with ``stack`` (which it starts); then check its sandbox's exchanges against the
    vendors' specs. On any failure print the components' logs. On leaving, stop every component
    (failing if a process outlives SIGKILL).
    """
    try:
        yield stack
        if stack.sandbox is not None and judged:
            # Every AIOZ Stream and AIML API exchange of the run, checked against the vendors' specs.
            assert_no_new_violations(stack.sandbox_url, before=0)
    except BaseException:
        print(stack.diagnostics())
        raise
    finally:
        stopping = time.monotonic()
        survivors = stack.stop_all()
        print(f"stopped {len(stack.components)} components in {time.monotonic() - stopping:.1f} s")
        assert not survivors, f"processes outlived SIGKILL: {survivors}"


@contextlib.contextmanager
def running_stack(home: Path, dags_folder: Path = DAGS_FOLDER) -> Iterator[AirflowStack]:
    """
    Sandbox, migrated DB, scheduler, triggerer, dag-processor and api-server in ``home``, parsing
    ``dags_folder``; every component is stopped on leaving (failing if a process outlives SIGKILL).
    """
    api_port = free_port()
    stack = AirflowStack(home=home, env=clean_env(), api_url=f"http://127.0.0.1:{api_port}")
    with served(stack):
        stack.sandbox = start_sandbox(stack)
        stack.env = component_env(
            home, api_port, stack.sandbox_url, jwt_secret=secrets.token_urlsafe(64), dags_folder=dags_folder
        )
        start_components(stack, api_port)
        yield stack


@pytest.fixture
def airflow_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowStack]:
    """
    Sandbox, migrated DB, scheduler, triggerer, dag-processor and api-server, ready for a trigger.

    The DAG folder is ``tests/scheduler/dags``; the test waits for its own DAG with
    :meth:`AirflowStack.wait_until_ready`.
    """
    with running_stack(tmp_path_factory.mktemp("airflow-scheduler")) as stack:
        yield stack
