"""
A distributed Airflow on one machine: the example DAGs folder run by CeleryExecutor.

Started once for the package, all on 127.0.0.1 with free ports and temporary folders:

- PostgreSQL (metadata database and Celery's result backend; run as ``postgres`` when the test is
  root), Redis (Celery's broker) and moto's S3 server, whose bucket is the examples' shared storage
  (``AUDIO_STORAGE_URL=s3://aws_default@<bucket>/storage``, reached through ``ObjectStoragePath``
  and the ``aws_default`` connection);
- the sandbox subprocess, which the four services' connections point at;
- api-server, scheduler, dag-processor and triggerer (``tests/scheduler/conftest.py``'s stack, with
  its clean environment and teardown) and two Celery workers. Each worker has its own
  ``AIRFLOW_HOME``, ``HOME``, ``TMPDIR``, log folder and ``AUDIO_OUTPUT_DIR``: the workers share no
  disk, as on separate hosts; what one task hands another goes through the services, XCom or S3.

Every component runs in a session of its own and is stopped group by group at teardown (Airflow's
components first, then the sandbox, then moto, Redis and PostgreSQL), each wait bounded. Where a
server or Python package is missing the tests skip, naming it (``make distributed`` installs the
servers; the ``[distributed]`` extra the packages).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, sandbox_connection
from tests.crashes.conftest import SandboxAdmin, fresh_sandbox
from tests.distributed import services
from tests.scheduler.conftest import (
    AIRFLOW,
    STOP_SEQUENCE,
    AirflowStack,
    Component,
    clean_env,
    component_env,
    free_port,
    served,
    start_components,
    start_sandbox,
)

#: The example DAGs folder, run as a deployment would (a plain DAGs folder).
DAGS_FOLDER = REPO / "dags_examples"
#: The DAGs the tests run; the stack is ready once they are parsed (and unpaused).
DAG_IDS = ("article_to_stream", "jingle_under_speech", "scheduled_conversion")
#: The bucket of the S3 double that holds the examples' shared storage.
BUCKET = "audio-shared"
#: Celery worker processes (task slots) per worker.
WORKER_CONCURRENCY = 4
#: Seconds without a heartbeat after which the scheduler fails a running task (default 300): what a
#: task of a killed worker waits before Airflow retries it. Healthy tasks heartbeat every second here.
HEARTBEAT_TIMEOUT = 20
#: A task queued this long without a worker starting it is put back (default 600 s): a safety net
#: for a message a killed worker had taken from Redis but not started.
QUEUED_TIMEOUT = 120
#: Seconds between the examples' polls of a job (``AUDIO_POLL_SECONDS``; 10 by default).
POLL_SECONDS = 1.0
#: Sandbox knobs the tests change, put back after each.
RESTORED_KNOBS = ("build_seconds", "transcode_seconds", "generation_seconds", "file_processing_seconds")
#: Bounds on the servers answering, and on every component and DAG being ready.
SERVER_START_TIMEOUT = 60.0
READY_TIMEOUT = 240.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "distributed: runs the example DAGs on CeleryExecutor (PostgreSQL, Redis, two workers, S3 double)",
    )


@dataclass
class CeleryStack(AirflowStack):
    """
    :class:`AirflowStack` on CeleryExecutor: its metadata database is PostgreSQL, the Celery workers
    are components of their own (each with its own home), and the servers behind it (PostgreSQL,
    Redis, moto) are stopped after every component.
    """

    #: libpq connection string of the metadata database.
    database_dsn: str = field(default="", repr=False)
    #: ``http://127.0.0.1:PORT`` of the S3 double.
    s3_endpoint: str = ""
    #: Where each worker's own folder (home, scratch, logs) is made.
    workers_root: Path = field(default_factory=Path)
    #: PostgreSQL, Redis, moto: started before the components, stopped after them.
    services: list[Component] = field(default_factory=list, repr=False)
    #: Task slots (Celery worker processes) of each worker.
    worker_concurrency: int = WORKER_CONCURRENCY
    #: Folders made outside the test's temporary tree (PostgreSQL's, owned by its account).
    scratch: list[Path] = field(default_factory=list, repr=False)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]] | None:
        """
        Rows of a read-only query of the metadata DB (placeholders written ``?``, as for SQLite);
        ``None`` while the database does not answer or the tables are not created yet.
        """
        import psycopg2

        try:
            connection = psycopg2.connect(self.database_dsn)
        except psycopg2.OperationalError:
            return None
        try:
            connection.set_session(readonly=True, autocommit=True)
            with connection.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), tuple(params))
                return [tuple(row) for row in cursor.fetchall()]
        except (psycopg2.errors.UndefinedTable, psycopg2.OperationalError):
            return None
        finally:
            connection.close()

    def start_service(self, name: str, argv: Sequence[str], cwd: Path) -> Component:
        """Start a server the components depend on (clean environment, its own folder)."""
        service = self.launch(name, argv, env=clean_env(), cwd=cwd)
        self.services.append(service)
        return service

    def worker_home(self, name: str) -> Path:
        return self.workers_root / name

    def start_worker(self, name: str) -> Component:
        """
        Start a Celery worker under ``name`` with a home of its own: ``AIRFLOW_HOME``, ``HOME``,
        ``TMPDIR``, task logs and ``AUDIO_OUTPUT_DIR`` all in ``workers_root/<name>``.
        """
        home = self.worker_home(name)
        for folder in ("tmp", "logs", "audio"):
            (home / folder).mkdir(parents=True, exist_ok=True)
        env = {
            **self.env,
            "AIRFLOW_HOME": str(home),
            "HOME": str(home),
            "TMPDIR": str(home / "tmp"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AUDIO_OUTPUT_DIR": f"file://{home / 'audio'}",
        }
        return self.start(
            name,
            [
                str(AIRFLOW),
                "celery",
                "worker",
                "--celery-hostname",
                f"{name}@127.0.0.1",
                "--concurrency",
                str(self.worker_concurrency),
                # Its log server would listen on every interface, on a fixed port (8793).
                "--skip-serve-logs",
                "--without-mingle",
                "--without-gossip",
            ],
            env=env,
            cwd=home,
        )

    def worker_ready(self, worker: Component) -> bool:
        """The worker has connected to the broker and consumes (Celery logs ``<name> ready.``)."""
        text = worker.log_path.read_text(errors="replace") if worker.log_path.exists() else ""
        return f"{worker.name}@127.0.0.1 ready." in text

    def workers(self) -> list[Component]:
        """The Celery workers not stopped by the test, oldest first."""
        return [c for c in self.components if c.name.startswith("worker") and not c.stopped]

    def check_alive(self) -> None:
        super().check_alive()
        for service in self.services:
            if (code := service.process.poll()) is not None:
                raise AssertionError(f"{service.name} exited with code {code}")

    def stop_all(self) -> list[str]:
        """Every component and the sandbox (:meth:`AirflowStack.stop_all`), then the servers."""
        survivors = super().stop_all()
        alive = list(reversed(self.services))
        for signum, grace in STOP_SEQUENCE:
            for service in alive:
                service.signal(signum)
            alive = self._wait_for_exit(alive, grace)
            if not alive:
                break
        for service in self.services:
            service.log_file.close()
        for folder in self.scratch:
            shutil.rmtree(folder, ignore_errors=True)
        return survivors + [f"{s.name}: {s.members()}" for s in alive]

    def task_log_roots(self) -> list[Path]:
        return [*super().task_log_roots(), *(p / "logs" for p in sorted(self.workers_root.glob("*")))]

    def diagnostics(self, lines: int = 60) -> str:
        from tests.scheduler.conftest import tail

        parts = [super().diagnostics(lines)]
        for service in self.services:
            parts.append(f"----- {service.name} ({service.log_path}) -----\n{tail(service.log_path, 20)}")
        return "\n".join(parts)


def start_servers(stack: CeleryStack) -> tuple[int, int, int]:
    """PostgreSQL (with the empty ``airflow`` database), Redis and moto (with the bucket); their ports."""
    import psycopg2
    import redis

    programs = services.programs()
    # PostgreSQL's folder lives outside the test's temporary tree, which only root may enter.
    pg_root = Path(tempfile.mkdtemp(prefix="audio-distributed-pg-"))
    stack.scratch.append(pg_root)
    account = services.postgres_account()
    if account is not None:
        os.chown(pg_root, account.pw_uid, account.pw_gid)
    initdb = stack.launch(
        "initdb", services.as_account(account, services.initdb_argv(programs, pg_root / "data")), cwd=pg_root
    )
    stack.services.append(initdb)
    assert initdb.process.wait(timeout=SERVER_START_TIMEOUT) == 0, f"initdb failed: {initdb.log_path}"
    stack.services.remove(initdb)
    initdb.log_file.close()

    pg_port, redis_port, moto_port = free_port(), free_port(), free_port()
    postgres = stack.start_service(
        "postgresql",
        services.as_account(account, services.postgres_argv(programs, pg_root / "data", pg_port, pg_root)),
        cwd=pg_root,
    )
    redis_dir = stack.home / "redis"
    redis_dir.mkdir()
    redis_server = stack.start_service(
        "redis", services.redis_argv(programs, redis_port, redis_dir), redis_dir
    )
    moto = stack.start_service("moto", services.moto_argv(moto_port), stack.home)

    def database_created() -> bool:
        connection = psycopg2.connect(services.postgres_dsn(pg_port, "postgres"))
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {services.DATABASE}")
        finally:
            connection.close()
        return True

    def alive(component: Component) -> bool:
        return component.process.poll() is None

    services.wait_until("PostgreSQL", database_created, lambda: alive(postgres), SERVER_START_TIMEOUT)
    services.wait_until(
        "Redis",
        lambda: bool(redis.Redis(host="127.0.0.1", port=redis_port, socket_timeout=2).ping()),
        lambda: alive(redis_server),
        SERVER_START_TIMEOUT,
    )
    stack.s3_endpoint = f"http://127.0.0.1:{moto_port}"
    s3 = s3_client(stack.s3_endpoint)
    services.wait_until(
        "moto", lambda: bool(s3.create_bucket(Bucket=BUCKET)), lambda: alive(moto), SERVER_START_TIMEOUT
    )
    stack.database_dsn = services.postgres_dsn(pg_port)
    return pg_port, redis_port, moto_port


#: The S3 double's credentials (moto accepts any; the connection and the test's client use these).
S3_KEY_ID, S3_SECRET, S3_REGION = "audio-test", "audio-test-secret", "us-east-1"


def s3_client(endpoint: str) -> Any:
    """A boto3 S3 client of the S3 double."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_KEY_ID,
        aws_secret_access_key=S3_SECRET,
        region_name=S3_REGION,
    )


def celery_env(stack: CeleryStack, api_port: int, pg_port: int, redis_port: int) -> dict[str, str]:
    """
    The components' environment: the scheduler stack's (:func:`component_env`, the examples folder
    as DAGs folder) on CeleryExecutor, PostgreSQL and Redis, with the examples' shared storage in S3.
    """
    assert stack.sandbox is not None
    env = component_env(
        stack.home, api_port, stack.sandbox_url, jwt_secret=secrets.token_urlsafe(64), dags_folder=DAGS_FOLDER
    )
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": "32",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
                f"postgresql+psycopg2://{services.DATABASE_USER}@127.0.0.1:{pg_port}/{services.DATABASE}"
            ),
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": str(QUEUED_TIMEOUT),
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "10",
            # The scheduler stack's DAGs use two of the four services; the examples all four.
            **{
                f"AIRFLOW_CONN_{service.upper()}_DEFAULT": json.dumps(
                    sandbox_connection(service, stack.sandbox.service_url(service))
                )
                for service in ("audiostack", "aiozstream", "audiopod", "aimlapi")
            },
            "AUDIO_POLL_SECONDS": str(POLL_SECONDS),
            "AUDIO_STORAGE_URL": f"s3://aws_default@{BUCKET}/storage",
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(
                {
                    "conn_type": "aws",
                    "login": S3_KEY_ID,
                    "password": S3_SECRET,
                    "extra": {"endpoint_url": stack.s3_endpoint, "region_name": S3_REGION},
                }
            ),
        }
    )
    return env


def wait_for_worker(stack: CeleryStack, worker: Component) -> float:
    """Seconds until ``worker`` consumes from the broker."""
    return services.wait_until(
        f"Celery {worker.name}",
        lambda: stack.worker_ready(worker),
        lambda: worker.process.poll() is None,
        READY_TIMEOUT,
    )


def wait_until_ready(stack: CeleryStack) -> float:
    """Both workers consuming, then every component job running and the tests' DAGs parsed."""
    started = time.monotonic()
    for worker in stack.workers():
        wait_for_worker(stack, worker)
    for dag_id in DAG_IDS:
        stack.wait_until_ready(dag_id, timeout=max(1.0, READY_TIMEOUT - (time.monotonic() - started)))
    return time.monotonic() - started


@contextlib.contextmanager
def running_celery_stack(
    home: Path,
    workers_root: Path,
    env_changes: Callable[[CeleryStack], Mapping[str, str]] | None = None,
    judge: bool = True,
    worker_concurrency: int = WORKER_CONCURRENCY,
) -> Iterator[CeleryStack]:
    """
    The distributed stack (module docstring), stopped on leaving.

    :param env_changes: settings of every component on top of :func:`celery_env`'s, given the stack
        whose sandbox is started (a benchmark's connections and poll interval).
    :param judge: the sandbox checks every exchange against the vendors' specs, and the stack's
        end fails on a violation (a benchmark measuring throughput turns that cost off).
    :param worker_concurrency: task slots of each of the two workers.
    """
    api_port = free_port()
    stack = CeleryStack(
        home=home,
        env=clean_env(),
        api_url=f"http://127.0.0.1:{api_port}",
        workers_root=workers_root,
        worker_concurrency=worker_concurrency,
    )
    with served(stack, judged=judge):
        started = time.monotonic()
        pg_port, redis_port, _ = start_servers(stack)
        servers = time.monotonic() - started
        stack.sandbox = start_sandbox(stack, judge=judge)
        stack.env = {
            **celery_env(stack, api_port, pg_port, redis_port),
            **(env_changes(stack) if env_changes else {}),
        }
        start_components(stack, api_port)
        migrated = time.monotonic() - started
        stack.start_worker("worker-1")
        stack.start_worker("worker-2")
        wait_until_ready(stack)
        print(
            f"\ndistributed stack ready in {time.monotonic() - started:.1f} s (servers {servers:.1f} s,"
            f" db migrate done at {migrated:.1f} s)"
        )
        yield stack


@pytest.fixture(scope="package")
def celery_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CeleryStack]:
    """The distributed stack, for the whole package; skipped, naming what is missing, where it cannot run."""
    lacking = services.missing()
    if lacking:
        pytest.skip(
            f"the distributed stack cannot start: missing {'; '.join(lacking)}. `make distributed` installs "
            "the servers (as root or with a password-less sudo), `make install` the Python packages"
        )
    with running_celery_stack(
        tmp_path_factory.mktemp("airflow-celery"), tmp_path_factory.mktemp("celery-workers")
    ) as stack:
        yield stack


@pytest.fixture
def sandbox(celery_stack: CeleryStack) -> Iterator[SandboxAdmin]:
    """The stack's sandbox, reset for the test, the knobs the tests change put back afterwards."""
    with fresh_sandbox(celery_stack, RESTORED_KNOBS) as admin:
        yield admin
