"""Registration: the provider info validates against Airflow's schema and everything it names imports."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import jsonschema

from airflow_provider_audio.connection_forms import CONNECTION_FORMS
from airflow_provider_audio.get_provider_info import get_provider_info


def _import(dotted: str) -> object:
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def _airflow_schema(name: str) -> dict[str, Any]:
    import airflow

    schema: dict[str, Any] = json.loads((Path(airflow.__file__).parent / name).read_text())
    return schema


def test_valid_against_airflow_schema() -> None:
    jsonschema.validate(get_provider_info(), _airflow_schema("provider_info.schema.json"))


def test_connection_types_valid_against_the_provider_yaml_schema() -> None:
    # provider_info.schema.json (Airflow 3.3) lets connection-types carry any further key; the
    # definition of hook-name, conn-fields and ui-field-behaviour is in provider.yaml.schema.json.
    definition = _airflow_schema("provider.yaml.schema.json")["properties"]["connection-types"]
    info = get_provider_info()
    jsonschema.validate(info["connection-types"], definition)
    for entry in info["connection-types"]:
        assert entry["hook-name"] and entry["conn-fields"] and entry["ui-field-behaviour"]
        for field in entry["conn-fields"].values():
            # Each field's own schema is a JSON schema (its default valid against it).
            jsonschema.Draft7Validator.check_schema(field["schema"])
            if "default" in field["schema"]:
                jsonschema.validate(field["schema"]["default"], field["schema"])


# Airflow's connection form metadata as its API serves it (GET /ui/connections/hook_meta), built in a
# fresh interpreter: it must come from the provider info alone, with no hook imported.
HOOK_META_PROBE = """
import json, sys
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
meta = {m.connection_type: m.model_dump(mode="json") for m in HookMetaService.hook_meta_data()}
imported = sorted(m for m in sys.modules if m.startswith("airflow_provider_audio.hooks"))
print(json.dumps({"meta": {t: meta.get(t) for t in sys.argv[1:]}, "imported": imported}))
"""


def test_airflow_builds_the_forms_from_provider_info_alone() -> None:
    conn_types = list(CONNECTION_FORMS)
    probe = subprocess.run(
        [sys.executable, "-c", HOOK_META_PROBE, *conn_types],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    answer = json.loads(probe.stdout.strip().splitlines()[-1])
    assert answer["imported"] == []
    for conn_type, form in CONNECTION_FORMS.items():
        meta = answer["meta"][conn_type]
        assert meta["hook_name"] == form.hook_name
        standard = meta["standard_fields"]
        assert {name for name in ("url_schema", "port", "login") if standard[name]["hidden"]} == {
            "url_schema",
            "port",
            "login",
        }
        assert standard["password"]["title"] == form.key_label
        assert standard["host"]["placeholder"] == form.default_base_url
        assert list(meta["extra_fields"]) == [field.name for field in form.extra_fields]


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


def test_every_extra_link_an_operator_shows_is_registered() -> None:
    # Airflow's UI shows a link of a serialized task only when its class is registered.
    import inspect

    from airflow.sdk import BaseOperator

    info = get_provider_info()
    used: set[str] = set()
    modules = [m for section in ("operators", "sensors") for e in info[section] for m in e["python-modules"]]
    modules += [transfer["python-module"] for transfer in info["transfers"]]
    for module_name in modules:
        for _, operator in inspect.getmembers(importlib.import_module(module_name), inspect.isclass):
            if issubclass(operator, BaseOperator) and operator.__module__.startswith(
                "airflow_provider_audio"
            ):
                for link in operator.operator_extra_links:
                    used.add(f"{type(link).__module__}.{type(link).__qualname__}")
    assert used == set(info["extra-links"])


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
