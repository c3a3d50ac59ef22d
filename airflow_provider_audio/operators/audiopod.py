"""AudioPod AI operators: clone voices, preview them, and manage voices and collections."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_audio.defaults import AUDIOPOD_CONN_ID, PREVIEW_FORMATS
from airflow_provider_audio.exceptions import AudioLostSubmitError, AudioServiceNotFoundError
from airflow_provider_audio.operators.base import AudioJobOperator, Job, ServiceHookMixin, XComUrlLink

# Hooks, models, triggers and samples are imported in methods: DAG files parse without the HTTP
# client and models.
if TYPE_CHECKING:
    from typing import TypeAlias

    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_audio.hooks.audiopod import AudioPodHook  # noqa: F401 (the hook mixin's type argument)
    from airflow_provider_audio.triggers.audiopod import AudioPodVoiceTrainingTrigger
    from airflow_provider_audio.voice_samples import VoiceSample

    SamplePath: TypeAlias = str | os.PathLike[str] | ObjectStoragePath

# The official SDK polls training every 3 s; a clone takes minutes, so 10 s costs little latency.
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_TRAINING_TIMEOUT = timedelta(hours=1)
# How much earlier than the lost submit a voice may say it was created (the service's clock and
# ours differ) and still be taken for the one it made.
LOST_VOICE_CLOCK_LEEWAY = timedelta(minutes=1)


# The XCom key under which operators keep the URL of a voice's preview for this link.
VOICE_PREVIEW_XCOM_KEY = "voice_preview_url"


class AudioPodVoiceLink(XComUrlLink):
    """
    The voice a task made, previewed or changed, heard: the ``audio_url`` of the preview a task
    fetched, or the voice's own ``preview_url`` (as AudioPod lists voices); empty while the voice has
    no preview. AudioPod gives no other address of a voice.
    """

    name = "AudioPod voice preview"
    xcom_key = VOICE_PREVIEW_XCOM_KEY


class AudioPodOperatorMixin(ServiceHookMixin["AudioPodHook"]):
    """``hook``: the AudioPod hook of ``conn_id``."""

    hook_path = "airflow_provider_audio.hooks.audiopod.AudioPodHook"


class AudioPodCreateVoiceOperator(AudioPodOperatorMixin, AudioJobOperator):
    """
    Clone a custom voice from one sample or several, and wait until it is trained.

    Samples are checked before anything is sent: each must exist, not be empty, and be WAV, MP3 or
    M4A (by content); a WAV sample outside 10-60 s, or more than 5 samples, is a warning. The voice
    id is kept in the task state store, so a retry waits on the voice already created instead of
    creating another; when the create's answer was lost, the retry looks for the voice by name and
    creation time first (see :meth:`find_lost_job`). Training is waited on in
    :class:`AudioPodVoiceTrainingTrigger`.

    Returns ``{voice_id, uuid, name, status, error_message, preview_url}``.

    :param name: the voice's name (templated).
    :param samples: one path or several (local or ``ObjectStoragePath``) (templated).
    :param description: its description (templated).
    :param denoise: clean a single sample before training.
    :param is_public: make a multi-sample voice public.
    :param conn_id: the AudioPod connection.
    :param poll_interval: seconds between polls of training.
    :param job_timeout: how long training may take.
    """

    state_store_key = "audiopod_voice"
    submit_route = "POST /voice-profiles (or /voice-profiles/multi-sample)"
    finds_lost_jobs = True
    template_fields: Sequence[str] = ("name", "samples", "description", "conn_id")
    operator_extra_links = (AudioPodVoiceLink(),)
    ui_color = "#f7e3d7"

    def __init__(
        self,
        *,
        name: str,
        samples: SamplePath | list[SamplePath],
        description: str | None = None,
        denoise: bool | None = None,
        is_public: bool | None = None,
        conn_id: str = AUDIOPOD_CONN_ID,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        job_timeout: timedelta = DEFAULT_TRAINING_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, poll_interval=poll_interval, job_timeout=job_timeout, **kwargs)
        self.name = name
        self.samples = samples
        self.description = description
        self.denoise = denoise
        self.is_public = is_public
        self._samples: list[VoiceSample] = []

    def validate(self, context: Context) -> None:
        """The samples, checked before anything is sent (exist, not empty, WAV/MP3/M4A)."""
        from airflow_provider_audio.voice_samples import load_voice_samples

        paths = self.samples if isinstance(self.samples, list) else [self.samples]
        self._samples, warnings = load_voice_samples(paths)
        for warning in warnings:
            self.log.warning("voice sample: %s", warning)

    def submit(self, context: Context, partial: Job | None) -> Job:
        voice = self.hook.create_voice(
            self.name,
            self._samples,
            description=self.description,
            denoise=self.denoise,
            is_public=self.is_public,
        )
        return {"voice_id": voice.id}

    def find_lost_job(self, context: Context, intent: dict[str, Any]) -> Job | None:
        """
        The voice a create whose answer was lost made: the one custom voice of this name created
        since the submit (a minute's leeway for clocks). A same-named voice whose creation time
        is unknown, or several, cannot be told apart from another's: the task fails rather than
        adopt one or train a second.
        """
        since = datetime.fromtimestamp(float(intent["at"]), UTC) - LOST_VOICE_CLOCK_LEEWAY
        named = self.hook.find_custom_voices(self.name)
        candidates = [voice for voice in named if voice.created_at is None or voice.created_at >= since]
        if not candidates:
            return None
        if len(candidates) > 1 or candidates[0].created_at is None:
            ids = ", ".join(voice.id for voice in candidates)
            raise AudioLostSubmitError(
                f"an earlier try sent {intent['route']} and its answer was lost; AudioPod lists "
                f"voice(s) {ids} named {self.name!r} that this task cannot tell from another's "
                f"(several, or no creation time). Delete the one(s) not wanted, then clear this task."
            )
        return {"voice_id": candidates[0].id}

    def job_xcom(self, job: Job) -> dict[str, Any]:
        return {"voice_id": job["voice_id"]}

    def make_trigger(self, job: Job) -> AudioPodVoiceTrainingTrigger:
        from airflow_provider_audio.triggers.audiopod import AudioPodVoiceTrainingTrigger

        # Every voice this operator waits on is one it created (submit, or find_lost_job).
        return AudioPodVoiceTrainingTrigger(
            voice_id=str(job["voice_id"]), created_name=self.name, **self.wait_arguments(job)
        )

    def job_result(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        voice = dict(event.get("result") or {})
        self.record_link(context, VOICE_PREVIEW_XCOM_KEY, voice.get("preview_url"))
        samples = len(self._samples) or (len(self.samples) if isinstance(self.samples, list) else 1)
        self.log_made(
            context,
            f"voice {voice.get('voice_id')} ({voice.get('name') or self.name!r}, trained from {samples} "
            f"sample(s))",
            took_seconds=self.job_elapsed(context),
            url=voice.get("preview_url"),
        )
        return voice

    def on_kill(self) -> None:
        self.log.warning(
            "AudioPod has no route that cancels voice training; a voice already created keeps training. "
            "Its id is in this task's XCom under 'voice_id' (delete it with AudioPodDeleteVoiceOperator)."
        )


class AudioPodVoicePreviewOperator(AudioPodOperatorMixin, BaseOperator):
    """
    Fetch a voice's preview (generating it when missing) and download it.

    Returns ``{voice_id, audio_url, duration_seconds, output_path, size_bytes}``.

    :param voice_id: the voice (id, uuid or voice_id) (templated).
    :param output_path: where to write the audio: a local path or an ``ObjectStoragePath`` (templated).
    :param audio_format: ``mp3`` or ``wav``.
    :param generate_if_missing: generate (and pay for) a preview that does not exist yet.
    :param conn_id: the AudioPod connection.
    """

    template_fields: Sequence[str] = ("voice_id", "output_path", "conn_id")
    operator_extra_links = (AudioPodVoiceLink(),)

    def __init__(
        self,
        *,
        voice_id: str,
        output_path: SamplePath,
        audio_format: str = "mp3",
        generate_if_missing: bool = True,
        conn_id: str = AUDIOPOD_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if audio_format not in PREVIEW_FORMATS:
            from airflow_provider_audio.exceptions import AudioInputError

            raise AudioInputError(
                f"{type(self).__name__} arguments",
                [f"audio_format: {audio_format!r}; allowed values: {PREVIEW_FORMATS}"],
            )
        self.voice_id = voice_id
        self.output_path = output_path
        self.audio_format = audio_format
        self.generate_if_missing = generate_if_missing
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_audio.client.files import destination_problems
        from airflow_provider_audio.exceptions import AudioInputError

        # A missing XCom renders as "None": never ask for a voice of that name (and pay for it).
        problems = destination_problems(self.output_path, "output_path")
        if not isinstance(self.voice_id, str) or self.voice_id.strip() in ("", "None"):
            problems.insert(0, f"voice_id: {self.voice_id!r}; the id of an AudioPod voice is needed")
        if problems:
            raise AudioInputError(f"{type(self).__name__} arguments", problems)
        hook = self.hook
        preview = hook.voice_preview(str(self.voice_id), self.audio_format, self.generate_if_missing)
        downloaded = hook.download(preview.audio_url, self.output_path)
        self.record_link(context, VOICE_PREVIEW_XCOM_KEY, preview.audio_url)
        self.log_made(
            context,
            f"a preview of voice {self.voice_id}",
            size_bytes=downloaded.size_bytes,
            audio_seconds=preview.duration,
            location=downloaded.path,
            url=preview.audio_url,
        )
        return {
            "voice_id": str(self.voice_id),
            "audio_url": preview.audio_url,
            "duration_seconds": preview.duration,
            "output_path": downloaded.path,
            "size_bytes": downloaded.size_bytes,
        }


class AudioPodBatchPreviewOperator(AudioPodOperatorMixin, BaseOperator):
    """
    Have several voices speak one text, and optionally download every preview.

    Returns AudioPod's previews (``voice_id, voice_name, audio_url, duration``), each with
    ``output_path`` when ``output_folder`` is set.

    :param voice_ids: the voices (templated).
    :param text: what they say (templated).
    :param speed: speaking speed factor.
    :param pitch: pitch shift.
    :param audio_format: ``mp3`` or ``wav``.
    :param output_folder: a local folder or ``ObjectStoragePath`` to download into (templated).
    :param conn_id: the AudioPod connection.
    """

    template_fields: Sequence[str] = ("voice_ids", "text", "output_folder", "conn_id")

    def __init__(
        self,
        *,
        voice_ids: list[str],
        text: str,
        speed: float | None = None,
        pitch: float | None = None,
        audio_format: str = "mp3",
        output_folder: SamplePath | None = None,
        conn_id: str = AUDIOPOD_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.voice_ids = voice_ids
        self.text = text
        self.speed = speed
        self.pitch = pitch
        self.audio_format = audio_format
        self.output_folder = output_folder
        self.conn_id = conn_id

    def execute(self, context: Context) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"voice_ids": self.voice_ids, "text": self.text, "format": self.audio_format}
        if self.speed is not None:
            body["speed"] = self.speed
        if self.pitch is not None:
            body["pitch"] = self.pitch
        from airflow_provider_audio.client.files import as_destination
        from airflow_provider_audio.models.audiopod import parse_batch_preview

        request = parse_batch_preview(body)
        hook = self.hook
        previews = hook.batch_preview(request)
        written = 0
        if self.output_folder is not None:
            folder = as_destination(self.output_folder)
            for preview in previews:
                target = folder / f"{preview.get('voice_id')}.{self.audio_format}"
                downloaded = hook.download(str(preview["audio_url"]), target)
                preview["output_path"] = downloaded.path
                written += downloaded.size_bytes
        self.log_made(
            context,
            f"{len(previews)} preview(s), of voice(s) {', '.join(str(p.get('voice_id')) for p in previews)}",
            size_bytes=written if self.output_folder is not None else None,
            location=str(self.output_folder) if self.output_folder is not None else None,
        )
        return previews


class AudioPodUpdateVoiceOperator(AudioPodOperatorMixin, BaseOperator):
    """
    Change a custom voice's name, description, visibility or tags.

    :param voice_id: the voice (templated).
    :param changes: the fields to change (templated); unknown fields are refused.
    :param conn_id: the AudioPod connection.
    """

    template_fields: Sequence[str] = ("voice_id", "changes", "conn_id")
    operator_extra_links = (AudioPodVoiceLink(),)

    def __init__(
        self,
        *,
        voice_id: str,
        changes: dict[str, Any],
        conn_id: str = AUDIOPOD_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.voice_id = voice_id
        self.changes = changes
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_audio.models.audiopod import parse_update_voice

        request = parse_update_voice(self.changes)
        before = self.hook.voice_status(str(self.voice_id)).data
        updated = self.hook.update_voice(str(self.voice_id), request)
        self.record_link(
            context, VOICE_PREVIEW_XCOM_KEY, updated.get("preview_url") or before.get("preview_url")
        )
        self.log_changed(f"voice {self.voice_id}", request.to_payload(), before)
        return updated


class AudioPodDeleteVoiceOperator(AudioPodOperatorMixin, BaseOperator):
    """
    Delete a custom voice.

    :param voice_id: the voice (templated).
    :param missing_ok: succeed when it is already gone.
    :param conn_id: the AudioPod connection.
    """

    template_fields: Sequence[str] = ("voice_id", "conn_id")

    def __init__(
        self,
        *,
        voice_id: str,
        missing_ok: bool = True,
        conn_id: str = AUDIOPOD_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.voice_id = voice_id
        self.missing_ok = missing_ok
        self.conn_id = conn_id

    def execute(self, context: Context) -> bool:
        try:
            self.hook.delete_voice(str(self.voice_id))
        except AudioServiceNotFoundError:
            if not self.missing_ok:
                raise
            self.log.info("Voice %s does not exist; nothing to delete", self.voice_id)
            return False
        return True


class AudioPodCreateCollectionOperator(AudioPodOperatorMixin, BaseOperator):
    """
    Create a voice collection, or reuse the one of the same name (a re-run creates nothing).

    :param name: the collection's name (templated).
    :param voice_ids: voices to put in it (templated); added to an existing one.
    :param description: its description.
    :param tags: tags.
    :param is_public: visibility.
    :param conn_id: the AudioPod connection.
    """

    template_fields: Sequence[str] = ("name", "voice_ids", "description", "conn_id")

    def __init__(
        self,
        *,
        name: str,
        voice_ids: list[str] | None = None,
        description: str | None = None,
        tags: list[str] | None = None,
        is_public: bool | None = None,
        conn_id: str = AUDIOPOD_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.voice_ids = voice_ids
        self.description = description
        self.tags = tags
        self.is_public = is_public
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        fields = {"description": self.description, "voice_ids": self.voice_ids, "tags": self.tags}
        body: dict[str, Any] = {"name": self.name, **{k: v for k, v in fields.items() if v is not None}}
        if self.is_public is not None:
            body["is_public"] = self.is_public
        from airflow_provider_audio.models.audiopod import parse_collection

        request = parse_collection(body)
        hook = self.hook
        for existing in hook.iter_collections():
            if existing.get("name") == request.name:
                self.log.info(
                    "Collection %r exists (%s); reusing it", request.name, existing.get("collection_id")
                )
                if request.voice_ids:
                    voice_ids = [str(v) for v in request.voice_ids]
                    changed = hook.add_voices_to_collection(str(existing["collection_id"]), voice_ids)
                    self.log.info(
                        "Changed collection %s: voices added: %s",
                        existing.get("collection_id"),
                        ", ".join(voice_ids),
                    )
                    return changed
                return existing
        created = hook.create_collection(request)
        self.log_made(context, f"collection {created.get('collection_id')} ({request.name!r})")
        return created


class AudioPodAddVoicesToCollectionOperator(AudioPodOperatorMixin, BaseOperator):
    """
    Add voices to a collection.

    :param collection_id: the collection (templated).
    :param voice_ids: the voices to add (templated).
    :param conn_id: the AudioPod connection.
    """

    template_fields: Sequence[str] = ("collection_id", "voice_ids", "conn_id")

    def __init__(
        self,
        *,
        collection_id: str,
        voice_ids: list[str],
        conn_id: str = AUDIOPOD_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.collection_id = collection_id
        self.voice_ids = voice_ids
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        voice_ids = [str(v) for v in self.voice_ids]
        collection = self.hook.add_voices_to_collection(str(self.collection_id), voice_ids)
        self.log.info("Changed collection %s: voices added: %s", self.collection_id, ", ".join(voice_ids))
        return collection


class AudioPodUsageOperator(AudioPodOperatorMixin, BaseOperator):
    """
    Fetch AudioPod usage analytics and return the report.

    :param voice_id: one voice, or all when ``None`` (templated).
    :param period: ``7d``, ``30d``, ``90d`` or ``1y``.
    :param breakdown: ``daily``, ``weekly`` or ``monthly``.
    :param conn_id: the AudioPod connection.
    """

    template_fields: Sequence[str] = ("voice_id", "conn_id")

    def __init__(
        self,
        *,
        voice_id: str | None = None,
        period: str = "30d",
        breakdown: str = "daily",
        conn_id: str = AUDIOPOD_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        from airflow_provider_audio.models.audiopod import parse_usage_query

        self.query = parse_usage_query({"period": period, "breakdown": breakdown})
        self.voice_id = voice_id
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        params = self.query.to_params()
        if self.voice_id is not None:
            params["voice_id"] = str(self.voice_id)
        return self.hook.usage(params)
