"""
The four connection types as Airflow's connection form shows them, declared once as data.

Since Airflow 3.2 the UI builds the Add/Edit Connection form from the provider info alone
(``connection-types[]``: ``hook-name``, ``conn-fields``, ``ui-field-behaviour``) and never imports a
hook. :func:`~airflow_provider_audio.get_provider_info.get_provider_info` publishes the forms below;
the hooks take their connection type, display name, the extras' names, allowed values and defaults
from the same objects, so the form writes exactly the keys a hook reads. A conn-field is stored in
``Connection.extra`` under its own name (``{"public_key": "..."}``); a field the user cleared is
written as ``null``, which the hooks read as "not set".

This module imports nothing beyond the standard library and the client's settings (themselves
standard library only): Airflow reads provider info in every process it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from airflow_provider_audio.client.routes.aiozstream import SERVICE as AIOZSTREAM_SERVICE
from airflow_provider_audio.client.service import (
    DEFAULT_WINDOW_SECONDS,
    LIMIT_EXTRAS,
    PACING_EXTRA,
    WINDOW_EXTRA,
    RateClass,
    RetryPolicy,
    Timeouts,
)

#: The ``version`` header of AudioStack's GET /audioforms/{id}: the spec's enum "1", "2", "3" and the
#: official SDK's "0.0.1" (audiostack 4.0.0 audioform/audioform.py:50,117, which sends "2" by default).
#: Every version's result carries delivery.uri, which is all the provider reads.
AUDIOSTACK_RESULT_VERSIONS: Final = ("0.0.1", "1", "2", "3")
DEFAULT_AUDIOSTACK_RESULT_VERSION: Final = "2"
#: ``extra.auth`` of an AIOZ Stream connection: the key pair (HTTP Basic) or an access token (a JWT).
AIOZSTREAM_AUTH_SCHEMES: Final = ("key_pair", "bearer")
#: ``extra.auth`` of an AudioPod AI connection: an API key in ``X-API-Key`` or a JWT as Bearer.
AUDIOPOD_AUTH_SCHEMES: Final = ("api_key", "bearer")

#: Standard fields none of the services uses: the host carries a whole base URL.
HIDDEN_STANDARD_FIELDS: Final = ("schema", "port", "login")


@dataclass(frozen=True)
class ExtraField:
    """
    One key of a connection's extras, shown as a field of the connection form.

    :param name: the key in ``Connection.extra``, the one the hook reads.
    :param label: the field's label.
    :param description: the help text under the field.
    :param type: the JSON-schema type of a value (``"string"``, ``"number"``, ``"integer"``,
        ``"boolean"``).
    :param required: the form refuses to save without a value; otherwise ``null`` is allowed too.
    :param default: the value the form starts with; the hook uses the same one when the key is absent.
    :param choices: the allowed values (the form shows a drop-down).
    :param minimum: the smallest value allowed (inclusive).
    :param exclusive_minimum: values must be greater than this.
    """

    name: str
    label: str
    description: str
    type: str = "string"
    required: bool = False
    default: str | float | bool | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    exclusive_minimum: float | None = None

    def schema(self) -> dict[str, Any]:
        """The field's JSON schema, as ``conn-fields[name].schema`` holds it."""
        schema: dict[str, Any] = {"type": self.type if self.required else [self.type, "null"]}
        if self.default is not None:
            schema["default"] = self.default
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.exclusive_minimum is not None:
            schema["exclusiveMinimum"] = self.exclusive_minimum
        if self.required and self.type == "string":
            schema["minLength"] = 1
        return schema

    def conn_field(self) -> dict[str, Any]:
        """The field as provider info declares it (``connection-types[].conn-fields[name]``)."""
        return {"label": self.label, "description": self.description, "schema": self.schema()}


def _number(value: float) -> float | int:
    """A default as a person would type it (``10``, not ``10.0``)."""
    return int(value) if float(value).is_integer() else value


#: Extras every connection may set: the client's limits (see ``AudioServiceHook``), read as numbers
#: greater than zero; absent or ``null`` means the default shown.
CLIENT_LIMIT_FIELDS: Final = (
    ExtraField(
        "connect_timeout",
        "Connect timeout (s)",
        "Seconds allowed to open a connection to the service.",
        type="number",
        default=_number(Timeouts().connect),
        exclusive_minimum=0,
    ),
    ExtraField(
        "read_timeout",
        "Read timeout (s)",
        "Seconds allowed between two reads of an answer.",
        type="number",
        default=_number(Timeouts().read),
        exclusive_minimum=0,
    ),
    ExtraField(
        "max_attempts",
        "Attempts per call",
        "Attempts in all for one API call, the first included (1: no retries). A call that may have "
        "started billed work is never sent twice.",
        type="integer",
        default=RetryPolicy().max_attempts,
        minimum=1,
    ),
    ExtraField(
        "max_retry_seconds",
        "Retry time limit (s)",
        "No new attempt starts this many seconds after the first one.",
        type="number",
        default=_number(RetryPolicy().max_elapsed),
        exclusive_minimum=0,
    ),
)


@dataclass(frozen=True)
class ConnectionForm:
    """
    One connection type: its name in the type list and how its form reads.

    The ``schema``, ``port`` and ``login`` fields are hidden (the host holds a whole base URL); the
    password is relabelled after the key it holds; the service's own extras come first, then the
    client limits every connection may set.

    :param conn_type: the connection type (and the hook's ``conn_type``).
    :param hook_name: the name the type list shows (and the hook's ``hook_name``).
    :param key_label: the label of the password field.
    :param key_placeholder: what the empty password field says.
    :param default_base_url: the service's production URL, shown in the empty host field.
    :param fields: the service's own extras.
    """

    conn_type: str
    hook_name: str
    key_label: str
    key_placeholder: str
    default_base_url: str
    fields: tuple[ExtraField, ...] = ()

    @property
    def extra_fields(self) -> tuple[ExtraField, ...]:
        """Every extra the form shows and the hook reads: the service's own, then the client limits."""
        return self.fields + CLIENT_LIMIT_FIELDS

    def field(self, name: str) -> ExtraField:
        """The extra field called ``name``."""
        for extra_field in self.extra_fields:
            if extra_field.name == name:
                return extra_field
        raise KeyError(f"{self.conn_type} connections have no extra {name!r}")

    def ui_field_behaviour(self) -> dict[str, Any]:
        """The standard fields' behaviour, as provider info declares it (``ui-field-behaviour``)."""
        return {
            "hidden-fields": list(HIDDEN_STANDARD_FIELDS),
            "relabeling": {"host": "Base URL", "password": self.key_label},
            "placeholders": {
                "host": self.default_base_url,
                "password": self.key_placeholder,
            },
        }

    def provider_info(self, hook_class_name: str) -> dict[str, Any]:
        """
        This type's entry of provider info's ``connection-types``.

        :param hook_class_name: the dotted path of the hook class.
        """
        return {
            "connection-type": self.conn_type,
            "hook-class-name": hook_class_name,
            "hook-name": self.hook_name,
            "conn-fields": {field.name: field.conn_field() for field in self.extra_fields},
            "ui-field-behaviour": self.ui_field_behaviour(),
        }


AUDIOSTACK: Final = ConnectionForm(
    conn_type="audiostack",
    hook_name="AudioStack",
    key_label="API key",
    key_placeholder="your AudioStack API key (sent as x-api-key)",
    default_base_url="https://v2.api.audio",
    fields=(
        ExtraField(
            "version",
            "Result version",
            "The version header of build results (GET /audioforms/{id}): the shape AudioStack "
            "answers in. 2 unless your account needs another.",
            default=DEFAULT_AUDIOSTACK_RESULT_VERSION,
            choices=AUDIOSTACK_RESULT_VERSIONS,
        ),
        ExtraField(
            "assume_org",
            "Act for organisation",
            "An organisation id sent as x-assume-org, to work for another organisation your key may "
            "act for. Empty: your own.",
        ),
    ),
)

#: AIOZ Stream's rate pacing (``client/ratelimit.py``): on by default, at the published limits.
AIOZSTREAM_RATE_FIELDS: Final = (
    ExtraField(
        PACING_EXTRA,
        "Pace to the rate limits",
        "Space requests so that uploads, writes and reads stay within AIOZ Stream's limits (shared by "
        "every task and trigger of a process; the X-RateLimit-* answers adjust it). Off: send at once "
        "and retry 429s.",
        type="boolean",
        default=True,
    ),
    *(
        ExtraField(
            LIMIT_EXTRAS[rate_class],
            f"{rate_class.value.capitalize()}s per window",
            f"AIOZ Stream {rate_class.value} requests allowed per rate window: the published limit "
            "unless your account has another (the X-RateLimit-Limit answers replace it).",
            type="integer",
            default=AIOZSTREAM_SERVICE.rate_limits[rate_class],
            minimum=1,
        )
        for rate_class in (RateClass.UPLOAD, RateClass.WRITE, RateClass.READ)
    ),
    ExtraField(
        WINDOW_EXTRA,
        "Rate window (s)",
        "Seconds the limits above count over.",
        type="number",
        default=_number(DEFAULT_WINDOW_SECONDS),
        exclusive_minimum=0,
    ),
)

AIOZSTREAM: Final = ConnectionForm(
    conn_type="aiozstream",
    hook_name="AIOZ Stream",
    key_label="Secret key",
    key_placeholder="the secret key of your API key pair (or an access token, see Authentication)",
    default_base_url="https://api.aiozstream.network/api",
    fields=(
        ExtraField(
            "public_key",
            "Public key",
            "The public key of your AIOZ Stream API key pair. AIOZ Stream takes the secret key only "
            "together with it (HTTP Basic public:secret). Not sent with Authentication 'bearer'.",
            required=True,
        ),
        ExtraField(
            "auth",
            "Authentication",
            "key_pair: the public key and the secret key (the usual). bearer: the Secret key field "
            "holds an access token (a JWT from the dashboard), sent as Authorization: Bearer.",
            default=AIOZSTREAM_AUTH_SCHEMES[0],
            choices=AIOZSTREAM_AUTH_SCHEMES,
        ),
        *AIOZSTREAM_RATE_FIELDS,
    ),
)

AUDIOPOD: Final = ConnectionForm(
    conn_type="audiopod",
    hook_name="AudioPod AI",
    key_label="API key",
    key_placeholder="your AudioPod API key, ap_... (or a JWT, see Authentication)",
    default_base_url="https://api.audiopod.ai/api/v1/voice",
    fields=(
        ExtraField(
            "auth",
            "Authentication",
            "api_key: the key (ap_...) sent as X-API-Key. bearer: the API key field holds a JWT, sent "
            "as Authorization: Bearer.",
            default=AUDIOPOD_AUTH_SCHEMES[0],
            choices=AUDIOPOD_AUTH_SCHEMES,
        ),
    ),
)

AIMLAPI: Final = ConnectionForm(
    conn_type="aimlapi",
    hook_name="AIML API",
    key_label="API key",
    key_placeholder="your AIML API key (sent as Authorization: Bearer)",
    default_base_url="https://api.aimlapi.com",
)

#: The four forms by connection type, in the order the provider lists them.
CONNECTION_FORMS: Final[Mapping[str, ConnectionForm]] = {
    form.conn_type: form for form in (AUDIOSTACK, AIOZSTREAM, AUDIOPOD, AIMLAPI)
}
