"""Defaults shared by operators and triggers, in a module that imports nothing heavy.

Operator modules are imported whenever a DAG file is parsed; anything they import at module level
is paid on every parse. Triggers (and Airflow core, which they pull in) are imported only when a
task runs.
"""

from __future__ import annotations

from typing import Final

# Transient failures in a row that a wait survives: with the default 10 s interval a service may be
# unreachable for about a minute without failing an hour-long build.
DEFAULT_MAX_CONSECUTIVE_FAILURES: Final = 5
