"""The vendors' OpenAPI specs as judges of the test suite's AIOZ Stream and AIML API traffic.

Every sandbox the provider's tests start runs with ``--judge-specs tests/specs`` (see
``audio_sandbox/core/spec_judge.py``); after each test its new violations fail that test, and the
session's totals are printed at the end (and kept in ``spec-judge.json`` of the tests' Airflow home).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import requests

SPECS = Path(__file__).resolve().parent / "specs"
REPORT = Path(os.environ["AIRFLOW_HOME"]) / "spec-judge.json"

#: The last report of every judged sandbox of the session, by its base URL.
_finals: dict[str, dict[str, Any]] = {}


def judge_report(base_url: str) -> dict[str, Any] | None:
    """A judged sandbox's verdicts so far; ``None`` when it was started without the judge."""
    answer = requests.get(f"{base_url}/_sandbox/spec-judge", timeout=10)
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    report: dict[str, Any] = answer.json()
    _finals[base_url] = report
    return report


def assert_no_new_violations(base_url: str, before: int) -> None:
    """Fail when the sandbox at ``base_url`` found violations past the first ``before``."""
    report = judge_report(base_url)
    assert report is not None, f"the sandbox at {base_url} does not judge its traffic (--judge-specs)"
    found = report["violation_count"] - before
    if found:
        shown = "\n  ".join(report["violations"][before:][:20])
        raise AssertionError(f"{found} exchange(s) off the vendors' specs:\n  {shown}")


def session_totals() -> dict[str, Any]:
    """Every judged sandbox's final report summed: checked per service, violations, undescribed routes."""
    totals: dict[str, Any] = {
        "checked": {},
        "violation_count": 0,
        "undescribed": {},
        "sandboxes": len(_finals),
    }
    for report in _finals.values():
        for service, count in report["checked"].items():
            totals["checked"][service] = totals["checked"].get(service, 0) + count
        for route, count in report["undescribed"].items():
            totals["undescribed"][route] = totals["undescribed"].get(route, 0) + count
        totals["violation_count"] += report["violation_count"]
    return totals


def write_session_totals() -> dict[str, Any]:
    """Keep the session's totals beside the test Airflow home; return them."""
    totals = session_totals()
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(totals, indent=1, sort_keys=True))
    return totals
