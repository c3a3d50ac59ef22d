"""
The connection forms (``connection_forms``) and the hooks agree: the form offers exactly the extras a
hook reads, with the values and defaults it accepts, so whatever the form writes works.

How Airflow 3.3's form writes extras (read in its UI code, and seen by tests/browser): each conn-field
under its own name in ``Connection.extra``, a number as a JSON number, a field the user cleared as
``null``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import jsonschema
import pytest
from airflow.sdk import Connection

from airflow_provider_audio.client.ratelimit import rate_settings_from_extra
from airflow_provider_audio.client.service import ClientSettings, RetryPolicy, Timeouts
from airflow_provider_audio.connection_forms import (
    AIMLAPI,
    AIOZSTREAM,
    AUDIOPOD,
    AUDIOSTACK,
    CLIENT_LIMIT_FIELDS,
    CONNECTION_FORMS,
    ConnectionForm,
)
from airflow_provider_audio.exceptions import AudioInputError
from airflow_provider_audio.hooks.aimlapi import AimlApiHook
from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
from airflow_provider_audio.hooks.audiopod import AudioPodHook
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.base import AudioServiceHook

FORMS: list[tuple[ConnectionForm, type[AudioServiceHook]]] = [
    (AUDIOSTACK, AudioStackHook),
    (AIOZSTREAM, AiozStreamHook),
    (AUDIOPOD, AudioPodHook),
    (AIMLAPI, AimlApiHook),
]
IDS = [form.conn_type for form, _ in FORMS]
#: What a user types into the required fields (AIOZ Stream's public key).
REQUIRED_VALUES = {"public_key": "pk-form"}


class RecordingExtra(dict[str, Any]):
    """Extras that note every key read from them."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


def untouched_form(form: ConnectionForm) -> dict[str, Any]:
    """The extras of a form saved as it opens: every default, plus the required fields filled in."""
    extra: dict[str, Any] = {
        field.name: field.default for field in form.extra_fields if field.default is not None
    }
    extra.update({field.name: REQUIRED_VALUES[field.name] for field in form.extra_fields if field.required})
    return extra


def read_settings(hook_class: type[AudioServiceHook], extra: Mapping[str, Any]) -> ClientSettings:
    """What ``hook_class`` makes of a connection with ``extra``, read as a task reads it; for
    AudioStack, the result version too (read from the settings, as polls read it); for a paced
    service (AIOZ Stream), its rate settings too."""
    connection = Connection(
        conn_id="c", conn_type=hook_class.conn_type, password="k", extra=json.dumps(extra)
    )
    hook = hook_class("c")
    settings = hook._settings_from(connection, extra)
    if settings.service.rate_limits:
        # A paced service's clients read the pacing extras when they are built (client/http.py).
        rate_settings_from_extra(settings.service, extra)
    if isinstance(hook, AudioStackHook):
        hook.response_version(dataclasses.replace(settings, extra=extra))
    return settings


@pytest.mark.parametrize(("form", "hook_class"), FORMS, ids=IDS)
def test_hook_takes_its_names_from_the_form(form: ConnectionForm, hook_class: type[AudioServiceHook]) -> None:
    assert CONNECTION_FORMS[form.conn_type] is form
    assert (hook_class.conn_type, hook_class.hook_name) == (form.conn_type, form.hook_name)
    assert hook_class.service.display_name == form.hook_name
    assert hook_class.service.default_base_url == form.default_base_url


@pytest.mark.parametrize(("form", "hook_class"), FORMS, ids=IDS)
def test_hook_reads_exactly_the_form_fields(form: ConnectionForm, hook_class: type[AudioServiceHook]) -> None:
    extra = RecordingExtra(untouched_form(form))
    read_settings(hook_class, extra)
    assert extra.read == {field.name for field in form.extra_fields}


@pytest.mark.parametrize(("form", "hook_class"), FORMS, ids=IDS)
def test_untouched_and_cleared_forms_mean_the_hook_defaults(
    form: ConnectionForm, hook_class: type[AudioServiceHook]
) -> None:
    cleared = {field.name: None for field in form.extra_fields} | REQUIRED_VALUES
    for extra in (untouched_form(form), cleared):
        settings = read_settings(hook_class, extra)
        assert settings.timeouts == Timeouts()
        assert settings.retry_policy == RetryPolicy()
        if hook_class is AiozStreamHook:
            assert settings.credentials.headers["Authorization"].startswith("Basic ")
        if hook_class is AudioStackHook:
            assert AudioStackHook("c").response_version(dataclasses.replace(settings, extra=extra)) == "2"


def test_every_choice_is_accepted_and_nothing_else() -> None:
    stack = AUDIOSTACK.field("version")
    for version in stack.choices:
        settings = read_settings(AudioStackHook, {"version": version})
        assert AudioStackHook("c").response_version(settings) == version
    with pytest.raises(AudioInputError, match=r"c\.extra\.version: '4'; allowed values: 0\.0\.1, 1, 2, 3"):
        read_settings(AudioStackHook, {"version": "4"})
    jwt = "h.p.s"
    for form, hook_class in ((AIOZSTREAM, AiozStreamHook), (AUDIOPOD, AudioPodHook)):
        for scheme in form.field("auth").choices:
            connection = Connection(conn_id="c", conn_type=form.conn_type, password=jwt)
            hook_class.credentials_from_connection(connection, {"auth": scheme, **REQUIRED_VALUES})
        with pytest.raises(AudioInputError, match=r"c\.extra\.auth: 'oauth'"):
            connection = Connection(conn_id="c", conn_type=form.conn_type, password=jwt)
            hook_class.credentials_from_connection(connection, {"auth": "oauth", **REQUIRED_VALUES})


@pytest.mark.parametrize("limit", CLIENT_LIMIT_FIELDS, ids=lambda field: field.name)
@pytest.mark.parametrize("value", [None, 0, -1, 0.5, 1, 2.5, 60, "3", True])
def test_the_form_schema_and_the_hook_agree_on_limits(limit: Any, value: Any) -> None:
    schema_accepts = jsonschema.Draft7Validator(limit.schema()).is_valid(value)
    try:
        read_settings(AimlApiHook, {limit.name: value})
    except AudioInputError as error:
        assert f"extra.{limit.name}: {value!r}; must be a positive" in str(error)
        hook_accepts = False
    else:
        hook_accepts = True
    assert schema_accepts == hook_accepts


def test_aioz_public_key_is_required_by_the_form_as_by_the_hook() -> None:
    field = AIOZSTREAM.field("public_key")
    validator = jsonschema.Draft7Validator(field.schema())
    assert field.required
    assert not validator.is_valid(None)
    assert not validator.is_valid("")
    for public_key in (None, ""):
        with pytest.raises(AudioInputError, match=r"c\.extra\.public_key: missing"):
            read_settings(AiozStreamHook, {"public_key": public_key})


@pytest.mark.parametrize(("form", "hook_class"), FORMS, ids=IDS)
def test_defaults_are_valid_values(form: ConnectionForm, hook_class: type[AudioServiceHook]) -> None:
    for field in form.extra_fields:
        if field.default is not None:
            jsonschema.Draft7Validator(field.schema()).validate(field.default)


def test_the_standard_fields() -> None:
    for form, _ in FORMS:
        behaviour = form.ui_field_behaviour()
        assert behaviour["hidden-fields"] == ["schema", "port", "login"]
        assert behaviour["relabeling"]["host"] == "Base URL"
        assert behaviour["placeholders"]["host"] == form.default_base_url
    assert AIOZSTREAM.ui_field_behaviour()["relabeling"]["password"] == "Secret key"
    assert {
        form.ui_field_behaviour()["relabeling"]["password"] for form in (AUDIOSTACK, AUDIOPOD, AIMLAPI)
    } == {"API key"}
