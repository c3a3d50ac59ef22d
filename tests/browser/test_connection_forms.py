"""
The Add Connection form of each of the four types in a real browser, on a real api-server: the type's
name in the list, the standard fields (Login, Port and Schema hidden, the key relabelled and masked,
placeholders), the provider's extra fields with their labels, help texts, required marks and defaults.
Then the form is filled in and saved, and what it wrote is what the hook reads: the saved connection
passes the hook's Test against the sandbox, with the changed values in force.

Screenshots of each form (standard fields, then extra fields) go to ``$AUDIO_UI_SCREENSHOTS``
(``make screenshots`` sets docs/images/), else to a temporary folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from airflow_provider_audio.client.ratelimit import rate_settings_from_extra
from airflow_provider_audio.connection_forms import AIMLAPI, AIOZSTREAM, AUDIOPOD, AUDIOSTACK, ConnectionForm
from airflow_provider_audio.hooks.aimlapi import AimlApiHook
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.base import AudioServiceHook
from tests.conftest import SANDBOX_AIOZ_HEADERS, SANDBOX_AIOZ_PUBLIC_KEY, SANDBOX_KEY
from tests.scheduler.conftest import AirflowStack

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer
    from selenium.webdriver.remote.webdriver import WebDriver

pytest.importorskip("selenium", reason="selenium not installed: pip install -e '.[dev]'")

from selenium.webdriver.common.by import By

from tests.browser.airflow_ui import EXTRA_FIELDS, ConnectionsPage

FORMS: list[tuple[ConnectionForm, type[AudioServiceHook]]] = [
    (AUDIOSTACK, AudioStackHook),
    (AIOZSTREAM, AiozStreamHook),
    (AUDIOPOD, AudioPodHook),
    (AIMLAPI, AimlApiHook),
]
#: What the test enters beyond the host and the key: the required fields, and on each type a choice
#: or a number changed, so that each kind of field is seen written and read.
ENTERED: dict[str, dict[str, Any]] = {
    "audiostack": {"version": "3", "max_attempts": 3},
    "aiozstream": {"public_key": SANDBOX_AIOZ_PUBLIC_KEY, "read_timeout": 30, "rate_window_seconds": 6},
    "audiopod": {"auth": "api_key", "connect_timeout": 4.5},
    "aimlapi": {"max_retry_seconds": 45},
}
#: How each entered value shows in what the hook made of the saved connection.
IN_FORCE: dict[str, Callable[[Any], Any]] = {
    "version": lambda hook: hook.response_version(),
    "max_attempts": lambda hook: hook.settings().retry_policy.max_attempts,
    "read_timeout": lambda hook: hook.settings().timeouts.read,
    "connect_timeout": lambda hook: hook.settings().timeouts.connect,
    "max_retry_seconds": lambda hook: hook.settings().retry_policy.max_elapsed,
    "public_key": lambda hook: hook.settings().credentials.headers["Authorization"],
    "auth": lambda hook: next(iter(hook.settings().credentials.headers)),
    "rate_window_seconds": lambda hook: (
        rate_settings_from_extra(hook.settings().service, hook.settings().extra).window_seconds
    ),
}
EXPECTED_IN_FORCE: dict[str, Any] = {
    "version": "3",
    "max_attempts": 3,
    "read_timeout": 30.0,
    "connect_timeout": 4.5,
    "max_retry_seconds": 45.0,
    "public_key": SANDBOX_AIOZ_HEADERS["Authorization"],
    "auth": "X-API-Key",
    "rate_window_seconds": 6.0,
}
#: The standard fields shown: the connection's own two, then the type's three.
STANDARD_LABELS = ["Connection ID", "Connection Type", "Description", "Base URL"]


@pytest.fixture(scope="module")
def connections_page(browser: WebDriver, airflow_ui: AirflowStack) -> ConnectionsPage:
    return ConnectionsPage(browser, airflow_ui)


@pytest.mark.parametrize(("form", "hook_class"), FORMS, ids=[form.conn_type for form, _ in FORMS])
def test_add_connection_form(
    form: ConnectionForm,
    hook_class: type[AudioServiceHook],
    connections_page: ConnectionsPage,
    airflow_ui: AirflowStack,
    api_token: str,
    sandbox: SandboxServer,
    screenshot_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    connections_page.open()
    dialog = connections_page.add_connection(form.hook_name)
    conn_id = f"{form.conn_type}_default"
    dialog.type("connection_id", conn_id)

    # Standard fields: Description, Base URL and the key only, the key masked, both with placeholders.
    assert [row.label for row in dialog.rows()] == [*STANDARD_LABELS, form.key_label]
    for hidden in ("login", "port", "schema"):
        assert not dialog.element.find_elements(By.CSS_SELECTOR, f"[name='{hidden}']"), hidden
    assert dialog.input("host").get_attribute("placeholder") == form.default_base_url
    key = dialog.input("password")
    assert (key.get_attribute("type"), key.get_attribute("placeholder")) == ("password", form.key_placeholder)
    dialog.screenshot(screenshot_dir / f"connection-form-{form.conn_type}.png")
    host = sandbox.service_url(form.conn_type)
    dialog.type("host", host)
    dialog.type("password", SANDBOX_KEY)

    # Extra fields: the provider's, in order, with labels, required marks, help texts and defaults.
    dialog.open_section(EXTRA_FIELDS)
    rows = dialog.rows()[2:]
    assert [(row.label, row.required, row.help_text) for row in rows] == [
        (field.label, field.required, field.description) for field in form.extra_fields
    ]
    for field in form.extra_fields:
        if field.type == "boolean":  # a switch: its checkbox is on or off
            assert dialog.input(f"element_{field.name}").is_selected() is field.default, field.name
            continue
        shown = dialog.input(f"element_{field.name}").get_attribute("value")
        assert shown == ("" if field.default is None else str(field.default)), field.name
    if any(field.required for field in form.extra_fields):
        # Until the required fields are filled in the form says so, and cannot be saved.
        assert dialog.section_in_error(EXTRA_FIELDS)
        assert not dialog.save_button().is_enabled()
    # The required fields first: the screenshot shows them filled in, and the others as the form opens.
    entered = ENTERED[form.conn_type]
    for required in (True, False):
        for name, value in entered.items():
            field = form.field(name)
            if field.required != required:
                continue
            if field.choices:
                dialog.choose(rows[form.extra_fields.index(field)], str(value))
            else:
                dialog.type(f"element_{name}", str(value), clear=True)
            assert dialog.input(f"element_{name}").get_attribute("value") == str(value)
        if required:
            dialog.screenshot(screenshot_dir / f"connection-form-{form.conn_type}-extra.png")
    dialog.save()
    filled_in = time.monotonic() - started

    # What the form wrote: every field under its own name, the entered values, the defaults as shown and
    # null for a field left empty.
    response = requests.get(
        f"{airflow_ui.api_url}/api/v2/connections/{conn_id}",
        headers={"Authorization": f"Bearer {api_token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    saved = response.json()
    assert (saved["conn_type"], saved["host"], saved["login"], saved["port"]) == (
        form.conn_type,
        host,
        None,
        None,
    )
    extra = json.loads(saved["extra"])
    defaults = {field.name: field.default for field in form.extra_fields}
    assert extra == defaults | ENTERED[form.conn_type]

    # ... is what the hook reads: the saved connection passes the hook's Test, the entered values in force.
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}",
        json.dumps({"conn_type": form.conn_type, "host": host, "password": SANDBOX_KEY, "extra": extra}),
    )
    hook = hook_class(conn_id)
    assert hook.test_connection() == (True, f"Connection to {form.hook_name} successfully tested")
    for name in ENTERED[form.conn_type]:
        assert IN_FORCE[name](hook) == EXPECTED_IN_FORCE[name], name
    print(f"{form.hook_name}: form checked, filled in and saved in {filled_in:.1f} s; extra {extra}")
