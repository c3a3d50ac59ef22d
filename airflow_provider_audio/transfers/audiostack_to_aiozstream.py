"""AudioStack -> AIOZ Stream: a built audioform's delivered file streamed into AIOZ parts."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_audio.defaults import AIOZSTREAM_CONN_ID, AUDIOSTACK_CONN_ID
from airflow_provider_audio.exceptions import AudioInputError, AudioJobFailedError
from airflow_provider_audio.operators.aiozstream import AiozStreamUploadAudioOperator

# Hooks and upload sources are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_audio.hooks.audiostack import AudioStackHook
    from airflow_provider_audio.upload.sources import UploadSource


class AudioStackToAiozStreamOperator(AiozStreamUploadAudioOperator):
    """
    Publish a built audioform on AIOZ Stream without keeping a local copy of the audio.

    The delivered file is read over HTTP one part at a time (a byte range from the resume point
    when a retried task resumes) and each part goes straight to AIOZ Stream; nothing is written to
    disk. Everything else -- cost guard, resumable parts, reuse by ``reuse_key``, waiting for
    transcoding -- is :class:`AiozStreamUploadAudioOperator`'s.

    :param audioform_id: the built audioform (templated); or give ``audio_uri``.
    :param audio_uri: a delivered file's URL, when the audioform id is not at hand (templated).
    :param audiostack_conn_id: the AudioStack connection.
    :param aiozstream_conn_id: the AIOZ Stream connection.
    """

    template_fields: Sequence[str] = (
        *AiozStreamUploadAudioOperator.template_fields,
        "audioform_id",
        "audio_uri",
        "audiostack_conn_id",
    )

    def __init__(
        self,
        *,
        audioform_id: str | None = None,
        audio_uri: str | None = None,
        audiostack_conn_id: str = AUDIOSTACK_CONN_ID,
        aiozstream_conn_id: str = AIOZSTREAM_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=aiozstream_conn_id, **kwargs)
        if (audioform_id is None) == (audio_uri is None):
            raise AudioInputError(
                f"{type(self).__name__} arguments", ["audioform_id / audio_uri: give exactly one"]
            )
        self.audioform_id = audioform_id
        self.audio_uri = audio_uri
        self.audiostack_conn_id = audiostack_conn_id
        self._delivered_duration: float | None = None

    @cached_property
    def audiostack_hook(self) -> AudioStackHook:
        """The AudioStack hook of ``audiostack_conn_id`` (``hook`` is AIOZ Stream's)."""
        from airflow_provider_audio.hooks.audiostack import AudioStackHook

        return AudioStackHook(self.audiostack_conn_id)

    def open_source(self, context: Context) -> UploadSource:
        from airflow_provider_audio.client.routes.audiostack import BuildState
        from airflow_provider_audio.upload.sources import HttpSource

        audiostack = self.audiostack_hook
        uri = self.audio_uri
        if uri is None:
            assert self.audioform_id is not None
            status = audiostack.get_audioform(self.audioform_id)
            if status.state is not BuildState.SUCCEEDED or not status.uri:
                raise AudioJobFailedError(
                    f"audioform {self.audioform_id} is {status.state.value}; "
                    "only a delivered build can be published"
                )
            uri = status.uri
            duration = status.result.get("durationSeconds")
            self._delivered_duration = float(duration) if isinstance(duration, int | float) else None
        # The connection's limits apply to the delivery stream too.
        settings = audiostack.settings()
        return HttpSource(
            uri, timeouts=settings.timeouts, service="audiostack", retry_policy=settings.retry_policy
        )

    def made_from(self) -> str:
        if self.audioform_id is not None:
            return f" from AudioStack audioform {self.audioform_id}"
        return " from a delivered AudioStack file"

    def source_dataset(self) -> Any:
        """
        The delivered file, named as the build that made it names its output (so lineage joins
        the two): ``audio_uri``, or the audioform's delivery as AudioStack gives it now.
        """
        from airflow_provider_audio.lineage import location_dataset

        uri = self.audio_uri
        if uri is None:
            assert self.audioform_id is not None
            uri = self.audiostack_hook.get_audioform(self.audioform_id).uri
        return location_dataset(uri) if uri else None

    def source_duration(self, source: UploadSource) -> float | None:
        if self.duration_seconds is None and self._delivered_duration is not None:
            return self._delivered_duration
        return super().source_duration(source)
