"""
The sandbox's knobs: one dataclass, filled from command-line flags and environment variables.

One naming scheme: the flag ``--x-y`` and the environment variable ``AUDIO_SANDBOX_X_Y`` set the
field ``x_y``; a flag wins over the environment, the environment over the default.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ENV_PREFIX = "AUDIO_SANDBOX_"

#: Knobs that ``PATCH /_sandbox/settings`` may change while the sandbox runs.
RUNTIME_KNOBS: frozenset[str] = frozenset(
    {
        "build_seconds",
        "fault_5xx_rate",
        "fault_429_rate",
        "fault_drop_rate",
        "retry_after",
        "words_per_minute",
    }
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
    :param build_seconds: how long an AudioStack audioform takes to build after submission.
    :param fault_5xx_rate: probability (0..1) that a service request gets a 500/502/503.
    :param fault_429_rate: probability (0..1) that a service request gets a 429.
    :param fault_drop_rate: probability (0..1) that a service request has its connection cut.
    :param retry_after: seconds advertised on injected 429 responses.
    :param seed: seed of the fault dice; ``None`` draws a fresh one.
    :param words_per_minute: speech rate of rendered text-to-speech audio.
    :param log_level: uvicorn log level.
    """

    host: str = "127.0.0.1"
    port: int = 8765
    api_key: str = "sandbox-key"
    aioz_public_key: str = "sandbox-public"
    build_seconds: float = 3.0
    fault_5xx_rate: float = 0.0
    fault_429_rate: float = 0.0
    fault_drop_rate: float = 0.0
    retry_after: float = 1.0
    seed: int | None = None
    words_per_minute: float = 160.0
    log_level: str = "warning"

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
    return problems


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


_PARSERS: dict[str, Callable[[str], Any]] = {
    "host": str,
    "port": int,
    "api_key": str,
    "aioz_public_key": str,
    "build_seconds": float,
    "fault_5xx_rate": float,
    "fault_429_rate": float,
    "fault_drop_rate": float,
    "retry_after": float,
    "seed": _optional_int,
    "words_per_minute": float,
    "log_level": str.lower,
}

_HELP: dict[str, str] = {
    "host": "loopback address to listen on; anything else is refused (default 127.0.0.1)",
    "port": "TCP port to listen on; 0 picks a free port and prints it (default 8765)",
    "api_key": "the API key every emulated service accepts; AIOZ's secret key (default sandbox-key)",
    "aioz_public_key": "AIOZ Stream public key, paired with --api-key as secret key (default sandbox-public)",
    "build_seconds": "seconds an AudioStack audioform takes to build after submission (default 3.0)",
    "fault_5xx_rate": "probability 0..1 that a service request is answered 500/502/503 (default 0)",
    "fault_429_rate": "probability 0..1 that a service request is answered 429 (default 0)",
    "fault_drop_rate": "probability 0..1 that a service request's connection is cut mid-response (default 0)",
    "retry_after": "seconds advertised in the retry header of injected 429 responses (default 1)",
    "seed": "random seed of the fault dice, for reproducible runs (default: unseeded)",
    "words_per_minute": "speech rate of rendered text-to-speech audio, 40..600 (default 160)",
    "log_level": "uvicorn log level: " + ", ".join(LOG_LEVELS) + " (default warning)",
}


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser; every flag defaults to "not given" so the environment can fill it."""
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_audio.sandbox",
        description=(
            "Offline emulator of AudioStack, AIOZ Stream, AudioPod AI and AIML API. "
            f"Every flag --x-y can also be set as the environment variable {ENV_PREFIX}X_Y; the flag wins."
        ),
    )
    for field in dataclasses.fields(Settings):
        parser.add_argument(
            flag(field.name),
            dest=field.name,
            default=None,
            type=_PARSERS[field.name],
            metavar=field.name.upper(),
            help=f"{_HELP[field.name]} [env {env_var(field.name)}]",
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
    for field in dataclasses.fields(Settings):
        given = arguments.get(field.name)
        if given is not None:
            values[field.name] = given
            continue
        name = env_var(field.name)
        if name in environ:
            try:
                values[field.name] = _PARSERS[field.name](environ[name])
            except ValueError:
                raise SettingsError(
                    f"environment variable {name}={environ[name]!r} is not a valid {field.name}"
                ) from None
    return Settings(**values)
