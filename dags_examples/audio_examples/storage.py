"""Settings the example DAGs share: where audio is kept between tasks, and how often jobs are polled.

Audio between tasks lives in an ObjectStoragePath, never a worker's local disk.

``AUDIO_STORAGE_URL`` picks the root (``file:///tmp/airflow-provider-audio/storage`` by default;
``s3://bucket/audio`` or ``gs://bucket/audio`` with a connection in production), so the same DAGs
run on executors whose workers share no disk.
"""

from __future__ import annotations

import os

from airflow.sdk import ObjectStoragePath

DEFAULT_STORAGE_URL = "file:///tmp/airflow-provider-audio/storage"
# Article-length builds take a minute or so on the real services: a 10 s poll adds little latency.
# Tests and the demo, against the sandbox, set AUDIO_POLL_SECONDS lower.
DEFAULT_POLL_SECONDS = 10.0


def storage_root() -> ObjectStoragePath:
    """The root folder for audio shared between tasks."""
    return ObjectStoragePath(os.environ.get("AUDIO_STORAGE_URL", DEFAULT_STORAGE_URL))


def poll_seconds() -> float:
    """Seconds between polls of the example DAGs' jobs (``AUDIO_POLL_SECONDS``, default 10)."""
    return float(os.environ.get("AUDIO_POLL_SECONDS", DEFAULT_POLL_SECONDS))
