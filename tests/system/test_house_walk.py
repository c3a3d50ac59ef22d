"""How many of the provider's files the audioform operator's walk runs code in: a layout that
spreads one job over many hops fails here.

The walk is a deferred build with a download under dag.test(): ``execute`` (validate, submit,
defer), the trigger's polls, ``execute_complete`` and the download. Every module is imported
before tracing starts, so only code that runs on the walk counts, not module bodies.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import airflow_provider_audio
from tests.system.conftest import OperatorRunner
from tests.system.test_audioform_operator import AUDIOFORM_OPERATOR, audioform

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

PACKAGE = Path(airflow_provider_audio.__file__).resolve().parent
# Issue 12 brought the walk to 12 files; issue 14 added one step to it on purpose: the voices an
# audioform names are checked against AudioStack's list (hooks/audiostack_library.py) before paying.
# Issue 15 added one more: the forms every log line shares (elapsed time, deadline, the summary
# line) in log_format.py, and lineage.py: the build works out its OpenLineage datasets in
# execute_complete, where it can still reach its connections (the listener's forked process cannot).
MAX_FILES = 15


def provider_files_run_by(walk: Any) -> set[str]:
    """The provider's files in which a function ran while ``walk()`` ran, relative to the package."""
    for module in pkgutil.walk_packages([str(PACKAGE)], "airflow_provider_audio."):
        importlib.import_module(module.name)
    seen: set[str] = set()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        code = frame.f_code
        if event == "call" and code.co_name != "<module>" and code.co_filename.startswith(str(PACKAGE)):
            seen.add(str(Path(code.co_filename).relative_to(PACKAGE)))

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        walk()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    return seen


def test_the_audioform_walk_runs_in_at_most_fifteen_provider_files(
    airflow_db: Path, sandbox_connections: SandboxServer, tmp_path: Path, run_operator: OperatorRunner
) -> None:
    kwargs = {
        "audioform": audioform(),
        "output_path": str(tmp_path / "a.wav"),
        "deferrable": True,
        "poll_interval": 0.2,
    }
    runs: list[Any] = []
    files = provider_files_run_by(lambda: runs.append(run_operator(kwargs, operator=AUDIOFORM_OPERATOR)))
    print("\nprovider files the walk runs code in:\n  " + "\n  ".join(sorted(files)))
    assert runs[0].state == "success"
    assert (tmp_path / "a.wav").stat().st_size > 1000
    # The walk crosses the operator, its job base, the audioform model, the hook, the client and
    # the trigger: if a file is missing from this list, the walk did not happen.
    assert {"operators/audiostack.py", "operators/base.py", "triggers/base.py", "client/files.py"} <= files
    assert len(files) <= MAX_FILES, sorted(files)
