"""
The sandbox's knobs: one dataclass, filled from command-line flags and environment variables.

One naming scheme: the flag ``--x-y`` and the environment variable ``AUDIO_SANDBOX_X_Y`` set the
field ``x_y``; a flag wins over the environment, the environment over the default. ``serve`` is the
one knob given several times: ``--serve audiopod=0 --serve aimlapi=8802``, or
``AUDIO_SANDBOX_SERVE=audiopod=0,aimlapi=8802``.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from audio_sandbox.core.errors import SERVICE_NAMES

ENV_PREFIX = "AUDIO_SANDBOX_"
#: A JWT: three base64url segments joined by dots (AIOZ's Bearer tokens are JWTs, per its spec).
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

#: Knobs that ``PATCH /_sandbox/settings`` may change while the sandbox runs.
RUNTIME_KNOBS: frozenset[str] = frozenset(
    {
        "build_seconds",
        "fault_5xx_rate",
        "fault_429_rate",
        "fault_drop_rate",
        "fault_loose_list_rate",
        "retry_after",
        "words_per_minute",
        "transcode_seconds",
        "aioz_balance",
        "aioz_upload_limit",
        "aioz_write_limit",
        "aioz_read_limit",
        "aioz_rate_window_seconds",
        "training_seconds",
        "audiopod_credits_cents",
        "generation_seconds",
        "aimlapi_credits",
        "aimlapi_concurrency",
        "story_seconds",
        "file_processing_seconds",
    }
)
#: AIOZ's per-category request limits (0 = off).
AIOZ_LIMIT_KNOBS: tuple[str, ...] = ("aioz_read_limit", "aioz_upload_limit", "aioz_write_limit")
#: Run-time knobs that hold whole numbers (the others are floats).
INTEGER_KNOBS: frozenset[str] = frozenset(
    {*AIOZ_LIMIT_KNOBS, "audiopod_credits_cents", "aimlapi_credits", "aimlapi_concurrency"}
)

MIN_WORDS_PER_MINUTE = 40.0
MAX_WORDS_PER_MINUTE = 600.0
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class SettingsError(ValueError):
    """A knob has a value the sandbox refuses; the message names the knob and what it accepts."""


@dataclass(frozen=True)
class Settings:
    """
    Every knob of the sandbox.

    :param host: address to listen on; only loopback addresses are accepted.
    :param port: TCP port; 0 lets the system pick a free one.
    :param api_key: the key every emulated service accepts (AIOZ: the secret key of the pair).
    :param aioz_public_key: AIOZ Stream's public key, paired with ``api_key`` as the secret key.
    :param aioz_access_token: the JWT access token AIOZ Stream accepts as ``Authorization: Bearer``
        (the vendor's dashboard issues these; the sandbox issues none). ``None``: every Bearer
        token is refused, and a secret key is never one.
    :param serve: services also served at the root of a port of their own, name -> port (0 picks
        a free one), for clients that drop a base URL's path; the prefixed ``port`` serves them all
        as well, from the same state.
    :param build_seconds: how long an AudioStack audioform takes to build after submission.
    :param fault_5xx_rate: probability (0..1) that a service request gets a 500/502/503.
    :param fault_429_rate: probability (0..1) that a service request gets a 429.
    :param fault_drop_rate: probability (0..1) that a service request has its connection cut.
    :param fault_loose_list_rate: probability (0..1) that AIOZ's media list ignores its metadata,
        tags and status filters, as a looser service (or a changed one) would: a client that trusts
        a filter instead of checking what comes back is caught.
    :param retry_after: seconds advertised on injected 429 responses.
    :param seed: seed of the fault dice; ``None`` draws a fresh one.
    :param words_per_minute: speech rate of rendered text-to-speech audio.
    :param log_level: uvicorn log level.
    :param data_dir: where uploaded AIOZ media are assembled; ``None`` uses a temporary directory
        removed when the server stops.
    :param judge_specs: a folder of the vendors' OpenAPI specs (``aiozstream-openapi.yaml``,
        ``aimlapi-stable-audio.json``, ``aimlapi-audio-fetch.json``): every AIOZ Stream and AIML API
        exchange is checked against them and the violations are kept for ``GET /_sandbox/spec-judge``
        (needs the ``judge`` extra); ``None`` judges nothing.
    :param transcode_seconds: how long an AIOZ media stays ``transcoding`` after its upload completes.
    :param aioz_balance: the AIOZ account balance in USD, compared with transcoding prices.
    :param aioz_upload_limit: AIOZ part uploads allowed per rate window; 0 turns the limit off.
    :param aioz_write_limit: AIOZ writes (create, update, delete, complete) per window; 0 = off.
    :param aioz_read_limit: every other AIOZ request per window; 0 = off.
    :param aioz_rate_window_seconds: length of the AIOZ rate-limit windows.
    :param training_seconds: how long an AudioPod voice stays ``PROCESSING`` after its creation.
    :param audiopod_credits_cents: the AudioPod balance in cents; previews cost a cent per word.
        Setting it (at start or through ``PATCH /_sandbox/settings``) sets the balance.
    :param generation_seconds: how long an AIML API generation takes (a third ``queued``, the
        rest ``generating``).
    :param aimlapi_credits: the AIML API balance in credits; a generation costs
        ``seconds_total * steps * 10``. Setting it sets the balance.
    :param aimlapi_concurrency: unfinished AIML API generations allowed at once; 0 = no limit.
    :param story_seconds: how long an AudioStack story builds after submission (then its chapters render).
    :param file_processing_seconds: how long an AudioStack file stays ``processing`` after its bytes
        arrive (fixed per file when they arrive).
    """

    host: str = "127.0.0.1"
    port: int = 8765
    api_key: str = "sandbox-key"
    aioz_public_key: str = "sandbox-public"
    aioz_access_token: str | None = None
    serve: dict[str, int] = field(default_factory=dict)
    build_seconds: float = 3.0
    fault_5xx_rate: float = 0.0
    fault_429_rate: float = 0.0
    fault_drop_rate: float = 0.0
    fault_loose_list_rate: float = 0.0
    retry_after: float = 1.0
    seed: int | None = None
    words_per_minute: float = 160.0
    log_level: str = "warning"
    data_dir: str | None = None
    judge_specs: str | None = None
    transcode_seconds: float = 3.0
    aioz_balance: float = 10.0
    aioz_upload_limit: int = 0
    aioz_write_limit: int = 0
    aioz_read_limit: int = 0
    aioz_rate_window_seconds: float = 60.0
    training_seconds: float = 3.0
    audiopod_credits_cents: int = 10_000
    generation_seconds: float = 3.0
    aimlapi_credits: int = 1_000_000
    aimlapi_concurrency: int = 0
    story_seconds: float = 5.0
    file_processing_seconds: float = 1.0

    def __post_init__(self) -> None:
        problems = validation_problems(self)
        if problems:
            raise SettingsError("invalid sandbox settings: " + "; ".join(problems))

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """All knobs as JSON-ready values (the API key included: it is a sandbox-only value)."""
        return dataclasses.asdict(self)


def is_loopback(host: str) -> bool:
    """True if ``host`` names a loopback address (``localhost`` or 127.0.0.0/8 or ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validation_problems(settings: Settings) -> list[str]:
    """Every reason ``settings`` cannot be used, one line each (empty when it is fine)."""
    problems: list[str] = []
    if not is_loopback(settings.host):
        problems.append(
            f"host {settings.host!r} is not a loopback address; the sandbox listens on "
            "127.0.0.1, ::1 or localhost only"
        )
    if not 0 <= settings.port <= 65535:
        problems.append(f"port must be 0..65535 (0 picks a free port), got {settings.port}")
    if not settings.api_key:
        problems.append("api_key must not be empty")
    if not settings.aioz_public_key:
        problems.append("aioz_public_key must not be empty")
    problems.extend(_serve_problems(settings))
    if not _finite(settings.build_seconds) or settings.build_seconds < 0:
        problems.append(f"build_seconds must be a number >= 0, got {settings.build_seconds}")
    rates = {
        "fault_5xx_rate": settings.fault_5xx_rate,
        "fault_429_rate": settings.fault_429_rate,
        "fault_drop_rate": settings.fault_drop_rate,
    }
    for name, rate in rates.items():
        if not _finite(rate) or not 0.0 <= rate <= 1.0:
            problems.append(f"{name} must be between 0 and 1, got {rate}")
    if all(_finite(rate) for rate in rates.values()) and sum(rates.values()) > 1.0 + 1e-9:
        problems.append(f"fault rates add up to {sum(rates.values()):g}; their sum must be at most 1")
    loose = settings.fault_loose_list_rate
    if not _finite(loose) or not 0.0 <= loose <= 1.0:
        problems.append(f"fault_loose_list_rate must be between 0 and 1, got {loose}")
    if not _finite(settings.retry_after) or settings.retry_after < 0:
        problems.append(f"retry_after must be a number of seconds >= 0, got {settings.retry_after}")
    wpm = settings.words_per_minute
    if not _finite(wpm) or not MIN_WORDS_PER_MINUTE <= wpm <= MAX_WORDS_PER_MINUTE:
        problems.append(
            f"words_per_minute must be between {MIN_WORDS_PER_MINUTE:g} and "
            f"{MAX_WORDS_PER_MINUTE:g}, got {wpm}"
        )
    if settings.log_level not in LOG_LEVELS:
        problems.append(f"log_level must be one of {', '.join(LOG_LEVELS)}, got {settings.log_level!r}")
    problems.extend(_aioz_problems(settings))
    problems.extend(_voice_and_music_problems(settings))
    problems.extend(_audiostack_problems(settings))
    return problems


def _serve_problems(settings: Settings) -> list[str]:
    """The ``serve`` map: known services, ports in range, no port used twice."""
    problems: list[str] = []
    if not isinstance(settings.serve, dict):
        return [f"serve must map service names to ports, got {settings.serve!r}"]
    taken = {settings.port} - {0}
    for name, port in settings.serve.items():
        if name not in SERVICE_NAMES:
            problems.append(f"serve: unknown service {name!r}; known: {', '.join(SERVICE_NAMES)}")
        if not _whole(port) or port > 65535:
            problems.append(f"serve: {name}'s port must be 0..65535 (0 picks a free port), got {port!r}")
        elif port:
            if port in taken:
                problems.append(f"serve: {name}'s port {port} is already the sandbox's or another service's")
            taken.add(port)
    return problems


def _aioz_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    token = settings.aioz_access_token
    if token is not None and (not _JWT.fullmatch(token) or token == settings.api_key):
        problems.append(
            "aioz_access_token must be a JWT (header.payload.signature, base64url) other than the "
            "secret key (api_key)"
        )
    if settings.judge_specs is not None and not os.path.isdir(settings.judge_specs):
        problems.append(f"judge_specs must name a folder of spec files, got {settings.judge_specs!r}")
    if settings.data_dir is not None and (
        not settings.data_dir or (os.path.exists(settings.data_dir) and not os.path.isdir(settings.data_dir))
    ):
        problems.append(
            f"data_dir must name a directory (it is created if missing), got {settings.data_dir!r}"
        )
    if not _finite(settings.transcode_seconds) or settings.transcode_seconds < 0:
        problems.append(f"transcode_seconds must be a number >= 0, got {settings.transcode_seconds}")
    if not _finite(settings.aioz_balance):
        problems.append(f"aioz_balance must be a finite number of USD, got {settings.aioz_balance}")
    for name in AIOZ_LIMIT_KNOBS:
        value = getattr(settings, name)
        if not _whole(value):
            problems.append(f"{name} must be a whole number of requests >= 0 (0 = no limit), got {value!r}")
    window = settings.aioz_rate_window_seconds
    if not _finite(window) or window <= 0:
        problems.append(f"aioz_rate_window_seconds must be a number > 0, got {window}")
    return problems


def _voice_and_music_problems(settings: Settings) -> list[str]:
    """AudioPod's and AIML API's knobs."""
    problems: list[str] = []
    for name in ("training_seconds", "generation_seconds"):
        value = getattr(settings, name)
        if not _finite(value) or value < 0:
            problems.append(f"{name} must be a number >= 0, got {value}")
    wholes = {
        "audiopod_credits_cents": "a whole number of cents >= 0",
        "aimlapi_credits": "a whole number of credits >= 0",
        "aimlapi_concurrency": "a whole number of generations >= 0 (0 = no limit)",
    }
    for name, meaning in wholes.items():
        value = getattr(settings, name)
        if not _whole(value):
            problems.append(f"{name} must be {meaning}, got {value!r}")
    return problems


def _audiostack_problems(settings: Settings) -> list[str]:
    """AudioStack's story and file timers."""
    return [
        f"{name} must be a number >= 0, got {getattr(settings, name)}"
        for name in ("story_seconds", "file_processing_seconds")
        if not _finite(getattr(settings, name)) or getattr(settings, name) < 0
    ]


def runtime_value(name: str, value: Any) -> float | int:
    """
    A ``PATCH /_sandbox/settings`` value converted to the knob's type.

    :raises SettingsError: when ``value`` is not a number (or not a whole number for
        :data:`INTEGER_KNOBS`).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{name} must be a number, got {value!r}")
    if name in INTEGER_KNOBS:
        if isinstance(value, float) and not value.is_integer():
            raise SettingsError(f"{name} must be a whole number, got {value!r}")
        return int(value)
    return float(value)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def env_var(field_name: str) -> str:
    """The environment variable of a knob: ``build_seconds`` -> ``AUDIO_SANDBOX_BUILD_SECONDS``."""
    return ENV_PREFIX + field_name.upper()


def flag(field_name: str) -> str:
    """The command-line flag of a knob: ``build_seconds`` -> ``--build-seconds``."""
    return "--" + field_name.replace("_", "-")


def _optional_int(text: str) -> int | None:
    return None if text.strip().lower() in ("", "none") else int(text)


def _optional_path(text: str) -> str | None:
    return text if text.strip() else None


def _optional_text(text: str) -> str | None:
    return text.strip() or None


def service_port(text: str) -> tuple[str, int]:
    """``audiopod=8801`` -> ``("audiopod", 8801)``; a :class:`ValueError` when malformed."""
    name, equals, port = text.partition("=")
    if not equals or not name.strip():
        raise ValueError(f"expected NAME=PORT, got {text!r}")
    return name.strip(), int(port)


def service_ports(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """The ``serve`` map of ``(name, port)`` pairs; a service named twice is a :class:`SettingsError`."""
    ports: dict[str, int] = {}
    for name, port in pairs:
        if name in ports:
            raise SettingsError(f"serve: {name} is given twice")
        ports[name] = port
    return ports


def _service_ports_text(text: str) -> dict[str, int]:
    return service_ports(service_port(item) for item in text.split(",") if item.strip())


_PARSERS: dict[str, Callable[[str], Any]] = {
    "host": str,
    "port": int,
    "api_key": str,
    "aioz_public_key": str,
    "aioz_access_token": _optional_text,
    "serve": _service_ports_text,
    "build_seconds": float,
    "fault_5xx_rate": float,
    "fault_429_rate": float,
    "fault_drop_rate": float,
    "fault_loose_list_rate": float,
    "retry_after": float,
    "seed": _optional_int,
    "words_per_minute": float,
    "log_level": str.lower,
    "data_dir": _optional_path,
    "judge_specs": _optional_path,
    "transcode_seconds": float,
    "aioz_balance": float,
    "aioz_upload_limit": int,
    "aioz_write_limit": int,
    "aioz_read_limit": int,
    "aioz_rate_window_seconds": float,
    "training_seconds": float,
    "audiopod_credits_cents": int,
    "generation_seconds": float,
    "aimlapi_credits": int,
    "aimlapi_concurrency": int,
    "story_seconds": float,
    "file_processing_seconds": float,
}

_HELP: dict[str, str] = {
    "host": "loopback address to listen on; anything else is refused (default 127.0.0.1)",
    "port": "TCP port to listen on; 0 picks a free port and prints it (default 8765)",
    "api_key": "the API key every emulated service accepts; AIOZ's secret key (default sandbox-key)",
    "aioz_public_key": "AIOZ Stream public key, paired with --api-key as secret key (default sandbox-public)",
    "aioz_access_token": (
        "JWT access token AIOZ Stream accepts as Authorization: Bearer (default: none, every Bearer "
        "token is refused; a secret key is never one)"
    ),
    "serve": (
        "NAME=PORT: also serve one service (audiostack, aiozstream, audiopod, aimlapi) at the root of "
        "a port of its own, for clients that drop a base URL's path; repeatable; port 0 picks a free one "
        "(env: comma-separated)"
    ),
    "build_seconds": "seconds an AudioStack audioform takes to build after submission (default 3.0)",
    "fault_5xx_rate": "probability 0..1 that a service request is answered 500/502/503 (default 0)",
    "fault_429_rate": "probability 0..1 that a service request is answered 429 (default 0)",
    "fault_drop_rate": "probability 0..1 that a service request's connection is cut mid-response (default 0)",
    "fault_loose_list_rate": (
        "probability 0..1 that AIOZ's media list ignores its metadata, tags and status filters (default 0)"
    ),
    "retry_after": "seconds advertised in the retry header of injected 429 responses (default 1)",
    "seed": "random seed of the fault dice, for reproducible runs (default: unseeded)",
    "words_per_minute": "speech rate of rendered text-to-speech audio, 40..600 (default 160)",
    "log_level": "uvicorn log level: " + ", ".join(LOG_LEVELS) + " (default warning)",
    "data_dir": (
        "directory where uploaded AIOZ media are assembled, created if missing "
        "(default: a temporary directory removed when the sandbox stops)"
    ),
    "judge_specs": (
        "folder of the vendors' OpenAPI specs; every AIOZ Stream and AIML API exchange is checked "
        "against them, violations at GET /_sandbox/spec-judge (default: none)"
    ),
    "transcode_seconds": "seconds an AIOZ media stays transcoding after its upload completes (default 3.0)",
    "aioz_balance": "AIOZ account balance in USD that transcoding prices are checked against (default 10.0)",
    "aioz_upload_limit": "AIOZ part uploads allowed per rate window; 0 = no limit (default 0)",
    "aioz_write_limit": (
        "AIOZ creates/updates/deletes/completes allowed per rate window; 0 = no limit (default 0)"
    ),
    "aioz_read_limit": "other AIOZ requests allowed per rate window; 0 = no limit (default 0)",
    "aioz_rate_window_seconds": "length in seconds of the AIOZ rate-limit windows (default 60)",
    "training_seconds": "seconds an AudioPod voice stays PROCESSING after its creation (default 3.0)",
    "audiopod_credits_cents": "AudioPod balance in cents; a preview costs 1 cent per word (default 10000)",
    "generation_seconds": (
        "seconds an AIML API generation takes: a third queued, the rest generating (default 3.0)"
    ),
    "aimlapi_credits": (
        "AIML API balance in credits; a generation costs seconds_total * steps * 10 (default 1000000)"
    ),
    "aimlapi_concurrency": "unfinished AIML API generations allowed at once; 0 = no limit (default 0)",
    "story_seconds": "seconds an AudioStack story builds before its chapters render (default 5.0)",
    "file_processing_seconds": (
        "seconds an AudioStack file stays processing after its bytes arrive (default 1.0)"
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser; every flag defaults to "not given" so the environment can fill it."""
    parser = argparse.ArgumentParser(
        prog="python -m audio_sandbox",
        description=(
            "Offline emulator of AudioStack, AIOZ Stream, AudioPod AI and AIML API. "
            f"Every flag --x-y can also be set as the environment variable {ENV_PREFIX}X_Y; the flag wins."
        ),
    )
    for knob in dataclasses.fields(Settings):
        help_text = f"{_HELP[knob.name]} [env {env_var(knob.name)}]"
        if knob.name == "serve":
            parser.add_argument(
                flag(knob.name),
                dest=knob.name,
                action="append",
                type=service_port,
                metavar="NAME=PORT",
                help=help_text,
            )
            continue
        parser.add_argument(
            flag(knob.name),
            dest=knob.name,
            default=None,
            type=_PARSERS[knob.name],
            metavar=knob.name.upper(),
            help=help_text,
        )
    return parser


def settings_from_sources(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """
    Build :class:`Settings` from flags, then environment variables, then defaults.

    :param argv: command-line arguments without the program name (``sys.argv[1:]`` when ``None``).
    :param environ: environment (``os.environ`` when ``None``).
    :raises SystemExit: (from argparse) on a malformed flag.
    :raises SettingsError: on a malformed environment variable or an out-of-range value.
    """
    parser = build_parser()
    arguments = vars(parser.parse_args(argv))
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for knob in dataclasses.fields(Settings):
        given = arguments.get(knob.name)
        if given is not None:
            values[knob.name] = service_ports(given) if knob.name == "serve" else given
            continue
        name = env_var(knob.name)
        if name in environ:
            try:
                values[knob.name] = _PARSERS[knob.name](environ[name])
            except SettingsError:
                raise
            except ValueError:
                raise SettingsError(
                    f"environment variable {name}={environ[name]!r} is not a valid {knob.name}"
                ) from None
    return Settings(**values)
