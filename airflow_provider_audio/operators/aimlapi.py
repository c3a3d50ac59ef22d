"""AIML API operators: stable-audio generation."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_audio.defaults import AIMLAPI_CONN_ID
from airflow_provider_audio.exceptions import AudioInputError, AudioJobFailedError
from airflow_provider_audio.operators.base import AudioJobOperator, Job, ServiceHookMixin, XComUrlLink

# Hooks, models and triggers are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_audio.hooks.aimlapi import AimlApiHook  # noqa: F401 (the hook mixin's type argument)
    from airflow_provider_audio.models.aimlapi import StableAudioRequest
    from airflow_provider_audio.triggers.aimlapi import AimlApiGenerationTrigger

# AIML API's own example polls every 10 s; a 47 s clip takes about a minute to generate.
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_GENERATION_TIMEOUT = timedelta(minutes=30)


# The XCom key under which the operator keeps the generated file's URL for this link.
GENERATION_AUDIO_XCOM_KEY = "generation_audio_url"


class AimlApiAudioLink(XComUrlLink):
    """The generated audio: the generation's ``audio_file.url``, as AIML API gives it."""

    name = "AIML API audio"
    xcom_key = GENERATION_AUDIO_XCOM_KEY


class AimlApiOperatorMixin(ServiceHookMixin["AimlApiHook"]):
    """``hook``: the AIML API hook of ``conn_id``."""

    hook_path = "airflow_provider_audio.hooks.aimlapi.AimlApiHook"


class AimlApiGenerateAudioOperator(AimlApiOperatorMixin, AudioJobOperator):
    """
    Generate audio with AIML API's ``stable-audio`` and download it.

    The request is checked before the call (``prompt`` non-empty, ``seconds_start`` and
    ``seconds_total`` 1-47, ``steps`` 1-1000). The generation id is pushed to XCom
    (``generation_id``) and kept in the task state store, so a retry waits on the generation
    already paid for. ``error`` ends the task with the API's error name and message. AIML API
    cannot be asked which generations exist (and takes no idempotency key), so when the submit's
    answer was lost ``on_lost_submit`` decides the retry: ``"fail"`` (default) or ``"resubmit"``.

    Returns ``{generation_id, audio_url, output_path, size_bytes, credits_used}``; the credits used
    are also logged.

    :param prompt: what to generate (templated).
    :param seconds_total: the clip's length, 1-47 s.
    :param seconds_start: where the clip starts, 1-47 s.
    :param steps: denoising steps, 1-1000.
    :param output_path: where to write the audio: a local path or an ``ObjectStoragePath``
        (templated); nothing is downloaded when ``None``.
    :param conn_id: the AIML API connection.
    :param poll_interval: seconds between polls.
    :param job_timeout: how long the generation may take.
    """

    state_store_key = "aimlapi_generation"
    submit_route = "POST /v2/generate/audio"
    template_fields: Sequence[str] = ("prompt", "output_path", "conn_id")
    operator_extra_links = (AimlApiAudioLink(),)
    ui_color = "#e3f7d7"

    def __init__(
        self,
        *,
        prompt: str,
        seconds_total: int | None = None,
        seconds_start: int | None = None,
        steps: int | None = None,
        output_path: str | os.PathLike[str] | ObjectStoragePath | None = None,
        conn_id: str = AIMLAPI_CONN_ID,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        job_timeout: timedelta = DEFAULT_GENERATION_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, poll_interval=poll_interval, job_timeout=job_timeout, **kwargs)
        self.prompt = prompt
        self.seconds_total = seconds_total
        self.seconds_start = seconds_start
        self.steps = steps
        self.output_path = output_path
        self._request: StableAudioRequest | None = None

    def validate(self, context: Context) -> None:
        """The rendered request, validated."""
        from airflow_provider_audio.client.files import destination_problems
        from airflow_provider_audio.models.aimlapi import parse_stable_audio_request

        body: dict[str, Any] = {"model": "stable-audio", "prompt": self.prompt}
        for name in ("seconds_start", "seconds_total", "steps"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        self._request = parse_stable_audio_request(body)
        if self.output_path is not None:
            problems = destination_problems(self.output_path, "output_path")
            if problems:
                raise AudioInputError(f"{type(self).__name__} arguments", problems)

    def submit(self, context: Context, partial: Job | None) -> Job:
        assert self._request is not None
        return {"generation_id": self.hook.generate(self._request).id}

    def job_xcom(self, job: Job) -> dict[str, Any]:
        return {"generation_id": job["generation_id"]}

    def make_trigger(self, job: Job) -> AimlApiGenerationTrigger:
        from airflow_provider_audio.triggers.aimlapi import AimlApiGenerationTrigger

        return AimlApiGenerationTrigger(generation_id=str(job["generation_id"]), **self.wait_arguments(job))

    def job_result(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        result = dict(event.get("result") or {})
        url = result.get("audio_url")
        if not url:
            raise AudioJobFailedError(
                f"generation {event.get('generation_id')} completed without an audio file"
            )
        self.record_link(context, GENERATION_AUDIO_XCOM_KEY, str(url))
        self.log.info("Generation %s used %s credits", event.get("generation_id"), result.get("credits_used"))
        output: dict[str, Any] = {
            "generation_id": event.get("generation_id"),
            "audio_url": url,
            "output_path": None,
            "size_bytes": None,
            "credits_used": result.get("credits_used"),
        }
        if self.output_path is not None:
            downloaded = self.hook.download(str(url), self.output_path)
            output["output_path"] = downloaded.path
            output["size_bytes"] = downloaded.size_bytes
        audio_file = result.get("audio_file")
        announced = audio_file.get("file_size") if isinstance(audio_file, dict) else None
        self.log_made(
            context,
            f"generation {event.get('generation_id')}",
            took_seconds=self.job_elapsed(context),
            size_bytes=output["size_bytes"] if output["size_bytes"] is not None else announced,
            audio_seconds=self.seconds_total,
            location=output["output_path"],
            url=str(url),
        )
        return output

    def on_kill(self) -> None:
        self.log.warning(
            "AIML API has no route that cancels a generation; one already queued will finish and be billed. "
            "Its id is in this task's XCom under 'generation_id'."
        )
