"""What a real api-server tells its connection form about the four types (``GET /ui/connections/hook_meta``):
the display name, the standard fields' behaviour and the extra fields, all from the provider info."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from airflow_provider_audio.connection_forms import CONNECTION_FORMS, ConnectionForm
from airflow_provider_audio.get_provider_info import get_provider_info
from tests.scheduler.conftest import AirflowStack

HOOK_CLASSES = {
    entry["connection-type"]: entry["hook-class-name"] for entry in get_provider_info()["connection-types"]
}


@pytest.fixture(scope="module")
def hook_meta(airflow_ui: AirflowStack, api_token: str) -> dict[str, dict[str, Any]]:
    response = requests.get(
        f"{airflow_ui.api_url}/ui/connections/hook_meta",
        headers={"Authorization": f"Bearer {api_token}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text[:500]
    return {entry["connection_type"]: entry for entry in response.json()}


@pytest.mark.parametrize("form", CONNECTION_FORMS.values(), ids=list(CONNECTION_FORMS))
def test_hook_meta_describes_the_form(hook_meta: dict[str, dict[str, Any]], form: ConnectionForm) -> None:
    meta = hook_meta[form.conn_type]
    assert meta["hook_name"] == form.hook_name
    assert meta["hook_class_name"] == HOOK_CLASSES[form.conn_type]

    standard = meta["standard_fields"]
    assert standard is not None, "standard_fields null: the UI would show Login, Port, Schema and 'Password'"
    assert {name for name, field in standard.items() if field and field["hidden"]} == {
        "url_schema",
        "port",
        "login",
    }
    assert standard["password"] == {
        "hidden": False,
        "title": form.key_label,
        "placeholder": form.key_placeholder,
    }
    assert standard["host"] == {"hidden": False, "title": "Base URL", "placeholder": form.default_base_url}

    extra = meta["extra_fields"]
    assert extra is not None
    assert list(extra) == [field.name for field in form.extra_fields]
    for field in form.extra_fields:
        served = extra[field.name]
        assert served["schema"]["title"] == field.label
        assert served["description"] == field.description
        assert served["value"] == field.default
        assert served["schema"]["type"] == (field.type if field.required else [field.type, "null"])
        assert served["schema"].get("enum") == (list(field.choices) or None)
