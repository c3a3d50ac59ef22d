"""Settings the example DAGs share: where audio is kept between tasks, and how often jobs are polled.

Audio between tasks lives in an ObjectStoragePath whose root is ``AUDIO_STORAGE_URL``:
``s3://aws_default@bucket/audio`` or ``gs://...`` (with their connection) when the workers share no
disk, as with CeleryExecutor or KubernetesExecutor. Unset, it is
``file:///tmp/airflow-provider-audio/storage``, a folder on each worker's own disk: right for a
single machine (LocalExecutor, ``dag.test()``), wrong for several, where a file written by one task
is not there for the next. A task that hands a file on therefore checks, before it pays for
anything, that the storage was chosen when tasks may run on several hosts
(:func:`require_shared_storage`).
"""

from __future__ import annotations

import os
import re
from typing import Any

from airflow.sdk import ObjectStoragePath

STORAGE_URL_VARIABLE = "AUDIO_STORAGE_URL"
DEFAULT_STORAGE_URL = "file:///tmp/airflow-provider-audio/storage"
#: Executors that run every task on the scheduler's host, where the default folder is one folder.
SINGLE_HOST_EXECUTORS = frozenset({"LocalExecutor", "SequentialExecutor", "DebugExecutor"})
# Article-length builds take a minute or so on the real services: a 10 s poll adds little latency.
# Tests and the demo, against the sandbox, set AUDIO_POLL_SECONDS lower.
DEFAULT_POLL_SECONDS = 10.0


def storage_root() -> ObjectStoragePath:
    """The root folder for audio shared between tasks."""
    return ObjectStoragePath(os.environ.get(STORAGE_URL_VARIABLE, DEFAULT_STORAGE_URL))


def multi_host_executors(executor_setting: str) -> list[str]:
    """
    The executors of an ``[core] executor`` setting that may run tasks on other hosts than the
    scheduler's. The setting lists executors by class name or import path, each optionally behind
    an alias (``alias:path.ClassName``), separated by commas (and, per team, ``;`` and ``team=``).
    """
    names = [entry.strip() for entry in re.split(r"[,;]", executor_setting) if entry.strip()]
    names = [name.rpartition("=")[2].rpartition(":")[2].strip() for name in names]
    return [name for name in names if name and name.rpartition(".")[2] not in SINGLE_HOST_EXECUTORS]


def require_shared_storage(context: Any = None) -> None:
    """
    ``pre_execute`` of a task that hands a file to another through :func:`storage_root`: fail it at
    once, without retries and before anything is paid for, when ``AUDIO_STORAGE_URL`` is not set and
    the executor may run tasks on several hosts, whose own disks the default folder would be on.
    A ``file://`` URL set on purpose (a folder every worker mounts) is taken as it is.

    :param context: the task's context (unused; Airflow passes it).
    """
    from airflow.sdk.configuration import conf
    from airflow.sdk.exceptions import AirflowFailException

    if os.environ.get(STORAGE_URL_VARIABLE):
        return
    remote = multi_host_executors(conf.get("core", "executor", fallback="LocalExecutor"))
    if remote:
        raise AirflowFailException(
            f"{STORAGE_URL_VARIABLE} is not set, so this DAG would hand its file from one task to the"
            f" next through {DEFAULT_STORAGE_URL}, a folder on each worker's own disk, while"
            f" {', '.join(remote)} may run the tasks on different workers. Set {STORAGE_URL_VARIABLE}, for"
            " the DAG processor and every worker, to storage they all reach: s3://aws_default@bucket/audio"
            " or gs://... with that connection, or a file:// folder every worker mounts."
        )


def poll_seconds() -> float:
    """Seconds between polls of the example DAGs' jobs (``AUDIO_POLL_SECONDS``, default 10)."""
    return float(os.environ.get("AUDIO_POLL_SECONDS", DEFAULT_POLL_SECONDS))
