"""AudioStack operators: build an audioform into a delivered audio file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_audio.defaults import AUDIOSTACK_CONN_ID
from airflow_provider_audio.exceptions import AudioJobFailedError, AudioServiceNotFoundError
from airflow_provider_audio.links.audiostack import (
    AUDIO_URI_XCOM_KEY,
    AudioStackAudioLink,
    AudioStackPlatformLink,
)
from airflow_provider_audio.operators.waiting import WaitingOperator

# Hooks, models and triggers are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath, XComArg

    from airflow_provider_audio.hooks.audiostack import AudioStackHook
    from airflow_provider_audio.models.audioform import Audioform

# Builds of article-length audio take tens of seconds to minutes; polling every 10 s keeps the
# added latency small while costing one cheap GET per job per 10 s in the triggerer.
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_BUILD_TIMEOUT = timedelta(hours=1)


class AudioStackBuildAudioformOperator(WaitingOperator):
    """
    Build one audioform and wait for the delivered file, without holding a worker slot.

    The audioform is validated after rendering and before anything is sent. Its id is pushed to
    XCom (key ``audioform_id``) as soon as AudioStack accepts it, and kept in the task state store
    where Airflow offers one, so a retry of this task re-attaches to the build it already paid for
    instead of submitting it again. The wait happens in :class:`AudioStackAudioformTrigger`
    (deferrable mode) or in the task with the same polling code (``deferrable=False``).

    Returns ``{audioform_id, uri, extension, encoder_preset, loudness_preset, public,
    duration_seconds, output_path, size_bytes}``.

    :param audioform: the audioform: a dict, a JSON string, or the path of a JSON file (templated).
    :param conn_id: the AudioStack connection.
    :param output_path: where to download the delivered file (a local path or an
        ``ObjectStoragePath``); nothing is downloaded when ``None`` (templated).
    :param poll_interval: seconds between two polls of the build.
    :param job_timeout: how long the build may take after submission.
    :param deadline: an absolute deadline (timezone-aware); the earlier of it and the timeout wins.
    :param max_consecutive_failures: transient failures in a row tolerated while waiting.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    """

    state_store_key = "audiostack_audioform"
    template_fields: Sequence[str] = ("audioform", "output_path", "conn_id")
    template_fields_renderers = {"audioform": "json"}
    operator_extra_links = (AudioStackAudioLink(), AudioStackPlatformLink())
    ui_color = "#e8d7f7"

    def __init__(
        self,
        *,
        audioform: dict[str, Any] | str | os.PathLike[str] | XComArg,
        conn_id: str = AUDIOSTACK_CONN_ID,
        output_path: str | os.PathLike[str] | ObjectStoragePath | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        job_timeout: timedelta = DEFAULT_BUILD_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(poll_interval=poll_interval, job_timeout=job_timeout, **kwargs)
        self.audioform = audioform
        self.conn_id = conn_id
        self.output_path = output_path

    @property
    def hook(self) -> AudioStackHook:
        """A hook for the task's own calls (submit, re-attach, download)."""
        from airflow_provider_audio.hooks.audiostack import AudioStackHook

        return AudioStackHook(self.conn_id)

    def validated_audioform(self) -> Audioform:
        """The rendered audioform, validated; raises :class:`AudioInputError` naming every bad field."""
        from airflow_provider_audio.models.audioform import parse_audioform
        from airflow_provider_audio.models.validation import load_json_input

        source = self.audioform
        data = load_json_input(os.fspath(source) if isinstance(source, os.PathLike) else source, "audioform")
        parsed = parse_audioform(data)
        for warning in parsed.warnings:
            self.log.warning("audioform: %s", warning)
        return parsed.audioform

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_audio.triggers.audiostack import AudioStackAudioformTrigger

        audioform = self.validated_audioform()
        hook = self.hook
        attached = self._reattach(hook, self.recall(context))
        if attached is None:
            submitted = hook.submit_audioform(audioform)
            attached = {"audioform_id": submitted.audioform_id, "deadline": self.deadline_from_now()}
            self.remember(context, attached)
        audioform_id = str(attached["audioform_id"])
        context["ti"].xcom_push(key="audioform_id", value=audioform_id)
        # Airflow renders extra links at the end of every attempt, a deferring one included; an
        # empty value until delivery keeps the link quiet instead of a "XCom not found" error.
        context["ti"].xcom_push(key=AUDIO_URI_XCOM_KEY, value="")
        if "result" in attached:
            return self._deliver(context, audioform_id, attached["result"])
        trigger = AudioStackAudioformTrigger(
            conn_id=self.conn_id,
            audioform_id=audioform_id,
            poll_interval=self.poll_interval,
            deadline=float(attached["deadline"]),
            max_consecutive_failures=self.max_consecutive_failures,
        )
        result: dict[str, Any] = self.wait_for(context, trigger)
        return result

    def _reattach(self, hook: AudioStackHook, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        """The build an earlier try of this task submitted, if it is still worth waiting for."""
        from airflow_provider_audio.hooks.audiostack import BuildState

        if not stored or not stored.get("audioform_id"):
            return None
        audioform_id = str(stored["audioform_id"])
        try:
            status = hook.get_audioform(audioform_id)
        except AudioServiceNotFoundError:
            self.log.warning(
                "Audioform %s from an earlier try no longer exists; submitting anew", audioform_id
            )
            return None
        if status.state is BuildState.FAILED:
            self.log.warning(
                "Audioform %s from an earlier try failed (%s); submitting anew",
                audioform_id,
                status.describe_errors(),
            )
            return None
        self.log.info(
            "Re-attaching to audioform %s from an earlier try (%s)", audioform_id, status.state.value
        )
        attached = dict(stored)
        if status.state is BuildState.SUCCEEDED:
            attached["result"] = status.result
        return attached

    def on_job_succeeded(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        return self._deliver(context, str(event["audioform_id"]), event.get("result") or {})

    def _deliver(self, context: Context, audioform_id: str, result: dict[str, Any]) -> dict[str, Any]:
        from airflow_provider_audio.audio_files import wav_duration_seconds
        from airflow_provider_audio.client.download import as_destination

        delivery = result.get("delivery") or {}
        uri = delivery.get("uri")
        if not uri:
            raise AudioJobFailedError(f"audioform {audioform_id} finished without a delivery uri: {result!r}")
        context["ti"].xcom_push(key=AUDIO_URI_XCOM_KEY, value=uri)
        output: dict[str, Any] = {
            "audioform_id": audioform_id,
            "uri": uri,
            "extension": delivery.get("extension"),
            "encoder_preset": delivery.get("encoderPreset"),
            "loudness_preset": delivery.get("loudnessPreset"),
            "public": delivery.get("public"),
            "duration_seconds": result.get("durationSeconds"),
            "output_path": None,
            "size_bytes": None,
        }
        if self.output_path is not None:
            downloaded = self.hook.download_delivered_file(uri, self.output_path)
            output["output_path"] = downloaded.path
            output["size_bytes"] = downloaded.size_bytes
            measured = wav_duration_seconds(as_destination(self.output_path))
            if measured is not None:
                output["duration_seconds"] = round(measured, 3)
        return output

    def on_kill(self) -> None:
        # AudioStack has no route that cancels a build: say so, so nobody expects it stopped.
        self.log.warning(
            "AudioStack cannot cancel an audioform build; a build already submitted will finish "
            "(and be billed) on AudioStack. Its id is in this task's XCom under 'audioform_id'."
        )


# The rest of AudioStack's operators live in modules of their own; they are importable from here too.
from airflow_provider_audio.operators.audiostack_classic import (  # noqa: E402
    AudioStackEncodeOperator,
    AudioStackMixOperator,
    AudioStackScriptOperator,
    AudioStackTTSOperator,
)
from airflow_provider_audio.operators.audiostack_creator import (  # noqa: E402
    AudioStackBatchBuildOperator,
    AudioStackBriefOperator,
    AudioStackStoryOperator,
)
from airflow_provider_audio.operators.audiostack_files import (  # noqa: E402
    AudioStackCopyFileOperator,
    AudioStackDeleteFileOperator,
    AudioStackDownloadFileOperator,
    AudioStackUpdateFileOperator,
    AudioStackUploadFileOperator,
    AudioStackUsageOperator,
)

__all__ = [
    "AudioStackBatchBuildOperator",
    "AudioStackBriefOperator",
    "AudioStackBuildAudioformOperator",
    "AudioStackCopyFileOperator",
    "AudioStackDeleteFileOperator",
    "AudioStackDownloadFileOperator",
    "AudioStackEncodeOperator",
    "AudioStackMixOperator",
    "AudioStackScriptOperator",
    "AudioStackStoryOperator",
    "AudioStackTTSOperator",
    "AudioStackUpdateFileOperator",
    "AudioStackUploadFileOperator",
    "AudioStackUsageOperator",
]
