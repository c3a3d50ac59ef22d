"""
The README's first operator example, an audioform templated from a Variable, runs as written.

A Variable holds JSON text: ``{{ var.value.NAME }}`` renders that text, which the operator parses.
``{{ var.json.NAME }}`` renders the parsed dict's Python text (single quotes, not JSON), which
fails validation before any call, unless the DAG renders templates as native objects, where it
renders to the dict itself.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import REPO
from tests.system.conftest import sandbox_stats
from tests.system.test_audioform_operator import audioform

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


def readme_audioform_template() -> str:
    """The ``audioform=`` template of the README's "AudioStack: build an audioform" example."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## AudioStack: build an audioform")[1]
    match = re.search(r'audioform="(\{\{.*?\}\})"', section)
    assert match, "the README's audioform example has no templated audioform"
    return match.group(1)


def run_readme_dag(monkeypatch: pytest.MonkeyPatch, template: str, *, native: bool = False) -> Any:
    monkeypatch.setenv("AIRFLOW_VAR_EPISODE_AUDIOFORM", json.dumps(audioform()))
    monkeypatch.setenv("AUDIO_TEST_AUDIOFORM_TEMPLATE", template)
    monkeypatch.setenv("AUDIO_TEST_NATIVE_RENDERING", "1" if native else "0")
    sys.modules.pop("tests.system.dags.readme_audioform", None)
    return importlib.import_module("tests.system.dags.readme_audioform").dag.test()


def test_the_readme_template_builds_the_variables_audioform(
    airflow_db: Path, sandbox_connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = readme_audioform_template()
    assert template == "{{ var.value.episode_audioform }}"
    assert run_readme_dag(monkeypatch, template).state == "success"
    assert sandbox_stats(sandbox_connections)["audioforms"]["built"] == 1


def test_var_json_renders_a_dict_only_with_native_rendering(
    airflow_db: Path, sandbox_connections: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without native rendering the dict becomes its Python text, which is not JSON: refused
    # before anything is sent.
    assert run_readme_dag(monkeypatch, "{{ var.json.episode_audioform }}").state == "failed"
    assert sandbox_stats(sandbox_connections)["requests"].get("POST /audiostack/audioforms", 0) == 0
    assert run_readme_dag(monkeypatch, "{{ var.json.episode_audioform }}", native=True).state == "success"
    assert sandbox_stats(sandbox_connections)["audioforms"]["built"] == 1
