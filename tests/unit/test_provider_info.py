"""Registration: the provider info validates against Airflow's schema and everything it names imports."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import jsonschema

from airflow_provider_audio.get_provider_info import get_provider_info


def _import(dotted: str) -> object:
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def test_valid_against_airflow_schema() -> None:
    import airflow

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_entry_point_is_installed() -> None:
    found = [
        ep
        for ep in entry_points(group="apache_airflow_provider")
        if ep.value.startswith("airflow_provider_audio")
    ]
    assert len(found) == 1
    assert found[0].load() is get_provider_info


def test_everything_named_imports() -> None:
    info = get_provider_info()
    conn_types = {entry["connection-type"] for entry in info["connection-types"]}
    assert conn_types == {"audiostack", "aiozstream", "audiopod", "aimlapi"}
    for entry in info["connection-types"]:
        hook = _import(entry["hook-class-name"])
        assert hook.conn_type == entry["connection-type"]  # type: ignore[attr-defined]
    for link in info["extra-links"]:
        _import(link)
    for transfer in info["transfers"]:
        importlib.import_module(transfer["python-module"])
    for section in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[section]:
            for module in entry["python-modules"]:
                importlib.import_module(module)


def test_airflow_lists_the_provider() -> None:
    airflow = str(Path(sys.executable).with_name("airflow"))
    listed = subprocess.run(
        [airflow, "providers", "list", "--output", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    packages = {entry["package_name"] for entry in json.loads(listed.stdout)}
    assert "airflow-provider-audio" in packages
