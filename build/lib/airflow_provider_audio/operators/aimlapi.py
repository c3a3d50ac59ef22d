"""AIML API operators: stable-audio generation."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_audio.defaults import AIMLAPI_CONN_ID
from airflow_provider_audio.exceptions import AudioJobFailedError, AudioServiceNotFoundError
from airflow_provider_audio.operators.waiting import WaitingOperator

# Hooks, models and triggers are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_audio.hooks.aimlapi import AimlApiHook
    from airflow_provider_audio.models.aimlapi import StableAudioRequest

# AIML API's own example polls every 10 s; a 47 s clip takes about a minute to generate.
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_GENERATION_TIMEOUT = timedelta(minutes=30)


class AimlApiGenerateAudioOperator(WaitingOperator):
    """
    Generate audio with AIML API's ``stable-audio`` and download it.

    The request is checked before the call (``prompt`` non-empty, ``seconds_start`` and
    ``seconds_total`` 1-47, ``steps`` 1-1000). The generation id is pushed to XCom
    (``generation_id``) and kept in the task state store, so a retry waits on the generation
    already paid for. ``error`` ends the task with the API's error name and message.

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
    template_fields: Sequence[str] = ("prompt", "output_path", "conn_id")
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
        super().__init__(poll_interval=poll_interval, job_timeout=job_timeout, **kwargs)
        self.prompt = prompt
        self.seconds_total = seconds_total
        self.seconds_start = seconds_start
        self.steps = steps
        self.output_path = output_path
        self.conn_id = conn_id

    def request(self) -> StableAudioRequest:
        """The rendered request, validated."""
        from airflow_provider_audio.models.aimlapi import parse_stable_audio_request

        body: dict[str, Any] = {"model": "stable-audio", "prompt": self.prompt}
        for name in ("seconds_start", "seconds_total", "steps"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return parse_stable_audio_request(body)

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_audio.hooks.aimlapi import AimlApiHook
        from airflow_provider_audio.triggers.aimlapi import AimlApiGenerationTrigger

        request = self.request()
        hook = AimlApiHook(self.conn_id)
        state = self._reattach(hook, self.recall(context))
        if state is None:
            generation = hook.generate(request)
            state = {"generation_id": generation.id, "deadline": self.deadline_from_now()}
            self.remember(context, state)
        context["ti"].xcom_push(key="generation_id", value=state["generation_id"])
        trigger = AimlApiGenerationTrigger(
            conn_id=self.conn_id,
            generation_id=str(state["generation_id"]),
            poll_interval=self.poll_interval,
            deadline=float(state["deadline"]),
            max_consecutive_failures=self.max_consecutive_failures,
        )
        result: dict[str, Any] = self.wait_for(context, trigger)
        return result

    def _reattach(self, hook: AimlApiHook, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        from airflow_provider_audio.hooks.aimlapi import GenerationStatus

        if not stored or not stored.get("generation_id"):
            return None
        try:
            generation = hook.get_generation(str(stored["generation_id"]))
        except AudioServiceNotFoundError:
            return None
        if generation.status is GenerationStatus.ERROR:
            self.log.warning("Generation %s from an earlier try failed; generating anew", generation.id)
            return None
        self.log.info(
            "Re-attaching to generation %s from an earlier try (%s)", generation.id, generation.status
        )
        return stored

    def on_job_succeeded(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        result = dict(event.get("result") or {})
        url = result.get("audio_url")
        if not url:
            raise AudioJobFailedError(
                f"generation {event.get('generation_id')} completed without an audio file"
            )
        self.log.info("Generation %s used %s credits", event.get("generation_id"), result.get("credits_used"))
        output: dict[str, Any] = {
            "generation_id": event.get("generation_id"),
            "audio_url": url,
            "output_path": None,
            "size_bytes": None,
            "credits_used": result.get("credits_used"),
        }
        if self.output_path is not None:
            from airflow_provider_audio.hooks.aimlapi import AimlApiHook

            downloaded = AimlApiHook(self.conn_id).download(str(url), self.output_path)
            output["output_path"] = downloaded.path
            output["size_bytes"] = downloaded.size_bytes
        return output

    def on_kill(self) -> None:
        self.log.warning(
            "AIML API has no route that cancels a generation; one already queued will finish and be billed. "
            "Its id is in this task's XCom under 'generation_id'."
        )
