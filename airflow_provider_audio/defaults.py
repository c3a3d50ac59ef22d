"""Defaults shared by hooks, operators and triggers, in a module that imports nothing heavy.

Operator modules are imported whenever a DAG file is parsed; anything they import at module level
is paid on every parse. Triggers (and Airflow core, which they pull in) are imported only when a
task runs.
"""

from __future__ import annotations

from typing import Final

# Transient failures in a row that a wait survives: with the default 10 s interval a service may be
# unreachable for about a minute without failing an hour-long build.
DEFAULT_MAX_CONSECUTIVE_FAILURES: Final = 5

# Default connection ids: the hooks' ``default_conn_name`` and the operators' ``conn_id`` defaults.
AUDIOSTACK_CONN_ID: Final = "audiostack_default"
AIOZSTREAM_CONN_ID: Final = "aiozstream_default"
AUDIOPOD_CONN_ID: Final = "audiopod_default"
AIMLAPI_CONN_ID: Final = "aimlapi_default"

# POST /audioforms/batches takes at most this many items.
MAX_BATCH_ITEMS: Final = 1000

# The audio formats AudioPod renders voice previews in.
PREVIEW_FORMATS: Final = ("mp3", "wav")

# The AIOZ Stream metadata key of the pair "<task instance mark>.<submit marker>" that every media
# the provider uploads carries: how a retry finds a create whose answer was lost, and how a task
# (or its trigger, when the task is killed) knows a media as its own.
AIOZ_UPLOAD_MARK_KEY: Final = "airflow_upload"
