"""AIOZ Stream operators: publish audio (chunked, verified, resumable), update and delete media;
the player link."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_audio.defaults import AIOZ_UPLOAD_MARK_KEY, AIOZSTREAM_CONN_ID
from airflow_provider_audio.exceptions import (
    AudioCostGuardError,
    AudioInputError,
    AudioJobFailedError,
    AudioServiceError,
    AudioServiceNotFoundError,
)
from airflow_provider_audio.lineage import AudioLineageMixin
from airflow_provider_audio.operators.base import (
    AudioJobOperator,
    Job,
    ServiceHookMixin,
    XComUrlLink,
    task_mark,
)
from airflow_provider_audio.upload.parts import DEFAULT_PART_SIZE, check_part_size

# Hooks, models, triggers and upload sources are imported in methods: DAG files parse without the
# HTTP client and models.
if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, Media, UploadProgress
    from airflow_provider_audio.models.aiozstream import CreateMediaRequest, MetadataItem
    from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger
    from airflow_provider_audio.triggers.base import PollResult
    from airflow_provider_audio.upload.sources import UploadSource

# Transcoding an episode takes seconds to minutes: a 10 s poll adds little latency.
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_TRANSCODE_TIMEOUT = timedelta(hours=2)
# The metadata pair a media this provider creates carries: "<task instance mark>.<submit marker>".
# It finds a create whose answer was lost, and it is how a task knows a media is its own.
UPLOAD_MARK_KEY = AIOZ_UPLOAD_MARK_KEY

# The preset AIOZ Stream transcodes to when a create body names no qualities (its API reference,
# Media > Audio > Create audio object).
DEFAULT_RESOLUTIONS = ["standard"]


def metadata_pairs(metadata: Mapping[str, Any] | list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Metadata as AIOZ wants it (``[{key, value}]``), from a dict or an already-paired list."""
    if metadata is None:
        return None
    if isinstance(metadata, Mapping):
        return [{"key": str(key), "value": value} for key, value in metadata.items()]
    return list(metadata)


# The XCom key under which operators keep the media's player page for this link.
PLAYER_URL_XCOM_KEY = "player_url"


class AiozStreamPlayerLink(XComUrlLink):
    """The published media's player page."""

    name = "AIOZ Stream player"
    xcom_key = PLAYER_URL_XCOM_KEY


class AiozStreamOperatorMixin(ServiceHookMixin["AiozStreamHook"]):
    """``hook``: the AIOZ Stream hook of ``conn_id``."""

    hook_path = "airflow_provider_audio.hooks.aiozstream.AiozStreamHook"


class AiozStreamUploadAudioOperator(AudioLineageMixin, AiozStreamOperatorMixin, AudioJobOperator):
    """
    Publish an audio file on AIOZ Stream: create, upload in parts, complete, wait for transcoding.

    - **Validated first**: the create body (type, qualities...), the part size, and that the source
      exists and is not empty are checked before any call.
    - **Cost guard** (``check_cost`` or ``max_price``): ``GET /media/cost`` for the requested qualities
      and the audio's duration; the task fails before creating anything when the balance is not
      enough or the price is above ``max_price``.
    - **Parts**: ``part_size`` bytes each (5 to 128 MiB, default 50 MiB), in order, each with its MD5
      and ``Content-Range``, read from the source one part at a time into one reused buffer; a
      failed part is retried alone.
    - **Resumable**: the media id and confirmed parts are kept in the task state store, so a retried
      task resumes after the last confirmed part instead of starting over.
    - **Idempotent**: with ``reuse_key`` (a key of ``metadata``, e.g. an article id), a finished media
      carrying the same pair is returned instead of uploading again, and one still transcoding is
      waited on. The pair is checked on every media the service lists, whatever its filter matched.
    - **Into a media made beforehand** (``media_id``): a media created earlier and still ``new``,
      such as the claim a pipeline makes on an article before paying for its audio (so that two
      runs never build the same article), is uploaded into instead of creating one; with
      ``reuse_key`` it must carry that pair (checked on AIOZ's answer). One already transcoding or
      done is returned as it is, and one that failed or is gone fails the task.
    - **Marked**: every media it creates carries the metadata pair ``airflow_upload`` (this task
      instance's mark and the submit's marker; ``metadata`` may hold 49 other pairs). A create whose
      answer was lost is found by it on the retry instead of being paid again, and an unfinished
      upload is deleted only when it bears this task's mark, never another's.
    - **Verified**: after ``complete`` and after transcoding, the media's size must equal the source's.
    - **Lineage**: with the OpenLineage provider installed, the task reports the source as its
      input and the media as its output (see :mod:`airflow_provider_audio.lineage`).

    Returns the media summary: ``{media_id, title, status, size_bytes, duration_seconds, hls_url,
    dash_url, hls_player_url, dash_player_url, source_url, reused}``.

    :param source: the audio file: a local path or an ``ObjectStoragePath`` (templated).
    :param title: the media's title (templated).
    :param description: its description (templated).
    :param tags: its tags (templated).
    :param metadata: key/value pairs, as a dict or ``[{key, value}]`` (templated).
    :param is_public: whether it plays without a key.
    :param qualities: transcoding outputs, as AIOZ's ``qualities`` list (templated).
    :param conn_id: the AIOZ Stream connection.
    :param part_size: bytes per part.
    :param reuse_key: a ``metadata`` key whose value identifies this audio across runs.
    :param media_id: a media created beforehand, still ``new``, to upload into (templated).
    :param check_cost: ask the price before creating anything, and fail when the balance is short.
    :param max_price: the highest acceptable price in USD (implies ``check_cost``).
    :param duration_seconds: the audio's duration for the cost guard (read from WAV files if omitted).
    :param poll_interval: seconds between polls of the transcoding.
    :param job_timeout: how long transcoding may take after ``complete``.
    """

    state_store_key = "aiozstream_upload"
    submit_route = "POST /media/create"
    finds_lost_jobs = True
    template_fields: Sequence[str] = (
        "source",
        "title",
        "description",
        "tags",
        "metadata",
        "qualities",
        "conn_id",
        "media_id",
    )
    operator_extra_links = (AiozStreamPlayerLink(),)
    ui_color = "#d7f0f7"

    def __init__(
        self,
        *,
        source: str | os.PathLike[str] | ObjectStoragePath | None = None,
        title: str,
        description: str | None = None,
        tags: list[str] | None = None,
        metadata: Mapping[str, Any] | list[dict[str, Any]] | None = None,
        is_public: bool | None = None,
        qualities: list[dict[str, Any]] | None = None,
        conn_id: str = AIOZSTREAM_CONN_ID,
        part_size: int = DEFAULT_PART_SIZE,
        reuse_key: str | None = None,
        media_id: str | None = None,
        check_cost: bool = False,
        max_price: float | None = None,
        duration_seconds: float | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        job_timeout: timedelta = DEFAULT_TRANSCODE_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, poll_interval=poll_interval, job_timeout=job_timeout, **kwargs)
        check_part_size(part_size)
        if max_price is not None and (isinstance(max_price, bool) or max_price < 0):
            raise AudioInputError(
                f"{type(self).__name__} arguments", [f"max_price: {max_price!r}; must be >= 0"]
            )
        self.source = source
        self.title = title
        self.description = description
        self.tags = tags
        self.metadata = metadata
        self.is_public = is_public
        self.qualities = qualities
        self.part_size = part_size
        self.reuse_key = reuse_key
        self.media_id = media_id
        self.check_cost = check_cost or max_price is not None
        self.max_price = max_price
        self.duration_seconds = duration_seconds
        self._request: CreateMediaRequest | None = None
        self._source: UploadSource | None = None
        # The media whose parts are being sent, so on_kill can remove an interrupted upload.
        self._uploading_media_id: str | None = None

    def create_request(self) -> CreateMediaRequest:
        """The rendered create body, validated (type, title, qualities, metadata)."""
        from airflow_provider_audio.models.aiozstream import MAX_METADATA_ITEMS, parse_create_media

        body: dict[str, Any] = {"type": "audio", "title": self.title}
        for name in ("description", "tags", "is_public", "qualities"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        pairs = metadata_pairs(self.metadata)
        if pairs is not None:
            body["metadata"] = pairs
        request = parse_create_media(body)
        given = request.metadata or []
        if len(given) >= MAX_METADATA_ITEMS or any(item.key == UPLOAD_MARK_KEY for item in given):
            raise AudioInputError(
                "AIOZ Stream media",
                [
                    f"metadata: at most {MAX_METADATA_ITEMS - 1} pairs, none named {UPLOAD_MARK_KEY!r}; "
                    f"the provider adds that pair to find its own uploads"
                ],
            )
        if self.reuse_key is not None and self._reuse_value(request) is None:
            raise AudioInputError(
                "AIOZ Stream media",
                [
                    f"reuse_key: {self.reuse_key!r} is not a key of metadata; "
                    "it must name the pair that finds earlier runs' media"
                ],
            )
        return request

    def _reuse_value(self, request: CreateMediaRequest) -> str | None:
        for item in request.metadata or []:
            if item.key == self.reuse_key:
                return item.value
        return None

    def open_source(self, context: Context) -> UploadSource:
        """The bytes to upload (checked to exist and not be empty)."""
        from airflow_provider_audio.upload.sources import FileSource

        if self.source is None:
            raise AudioInputError("upload", ["source: no file given"])
        return FileSource(self.source)

    def source_duration(self, source: UploadSource) -> float | None:
        """The audio's duration, for the cost guard: given, or read from the source's WAV header
        (the first bytes only: a small ranged GET for a file served over HTTP)."""
        from airflow_provider_audio.client.files import WAV_HEAD_BYTES, wav_duration_in_head

        if self.duration_seconds is not None:
            return float(self.duration_seconds)
        return wav_duration_in_head(source.read_head(WAV_HEAD_BYTES))

    def validate(self, context: Context) -> None:
        self._request = self.create_request()
        self._source = self.open_source(context)

    def stale_reason(self, job: Job) -> str | None:
        if job.get("reused"):
            return None
        if job.get("total") != self._source_checked().size or job.get("part_size") != self.part_size:
            return "the source or part size changed since it was begun"
        return None

    def submit(self, context: Context, partial: Job | None) -> Job:
        request, source = self._request_checked(), self._source_checked()
        if self.media_id:
            return self._upload_into(context, str(self.media_id), request, source)
        reused = self._find_reusable(context, request)
        if reused is not None:
            self.log.info(
                "Media %s already carries %s; reusing it (%s)", reused.id, self.reuse_key, reused.status.value
            )
            return {"media_id": reused.id, "reused": True, "completed": True}
        self._guard_cost(self.hook, request, source)
        marked = request.model_copy(
            update={"metadata": [*(request.metadata or []), self._mark(context, self.intent_marker)]}
        )
        media = self.hook.create_media(marked)
        return self._new_upload(context, media.id, source)

    def _upload_into(
        self, context: Context, media_id: str, request: CreateMediaRequest, source: UploadSource
    ) -> Job:
        """The job of uploading into ``media_id``, made beforehand (checked on AIOZ's answer)."""
        from airflow_provider_audio.hooks.aiozstream import MediaStatus

        media = self.hook.get_media(media_id)
        if self.reuse_key is not None:
            value = self._reuse_value(request)
            if media.metadata().get(self.reuse_key) != value:
                raise AudioJobFailedError(
                    f"AIOZ Stream media {media_id} does not carry {self.reuse_key}={value}; "
                    "nothing is uploaded into it"
                )
        if media.status in (MediaStatus.TRANSCODING, MediaStatus.DONE):
            self.log.info("Media %s is already %s; nothing to upload", media_id, media.status.value)
            return {"media_id": media_id, "reused": True, "completed": True}
        if media.status is not MediaStatus.NEW:
            raise AudioJobFailedError(
                f"AIOZ Stream media {media_id} is {media.status.value}; only a new media can be uploaded into"
            )
        self._guard_cost(self.hook, request, source)
        return self._new_upload(context, media_id, source)

    def find_lost_job(self, context: Context, intent: dict[str, Any]) -> Job | None:
        """The media a create whose answer was lost made: the one carrying this submit's mark."""
        mark = self._mark(context, str(intent["marker"]))
        found = self.hook.find_media_by_metadata(mark.key, mark.value)
        return self._new_upload(context, found[0].id, self._source_checked()) if found else None

    def _new_upload(self, context: Context, media_id: str, source: UploadSource) -> Job:
        return {
            "media_id": media_id,
            # This task instance's mark, which the media carries: the trigger of a killed task
            # deletes the media, unfinished, only when the service's answer shows this mark.
            "created_by": task_mark(context),
            "part_size": self.part_size,
            "total": source.size,
            "confirmed": 0,
            "completed": False,
        }

    def job_xcom(self, job: Job) -> dict[str, Any]:
        return {"media_id": job["media_id"]}

    def carry_on(self, context: Context, job: Job, judged: PollResult | None) -> None:
        """Send the parts still missing and complete the upload, unless that was done before."""
        if judged is not None and judged.result.get("status") not in (None, "new"):
            job["completed"] = True
        if job["completed"]:
            return
        media_id, source = str(job["media_id"]), self._source_checked()
        if judged is not None:
            self.log.info(
                "Resuming media %s from an earlier try: %s of its parts were confirmed",
                media_id,
                job.get("confirmed", 0),
            )
        self._upload(context, self.hook, media_id, source, job)
        self.hook.complete_upload(media_id)
        job["completed"] = True
        job["deadline"] = self.deadline_from_now()
        self.remember(context, job)
        self.hook.check_uploaded_size(media_id, source.size)

    def make_trigger(self, job: Job) -> AiozStreamTranscodeTrigger:
        from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger

        return AiozStreamTranscodeTrigger(
            media_id=str(job["media_id"]), created_by=job.get("created_by"), **self.wait_arguments(job)
        )

    def _request_checked(self) -> CreateMediaRequest:
        assert self._request is not None, "validate() runs first"
        return self._request

    def _source_checked(self) -> UploadSource:
        assert self._source is not None, "validate() runs first"
        return self._source

    def _find_reusable(self, context: Context, request: CreateMediaRequest) -> Media | None:
        """A media published by an earlier run for the same ``reuse_key`` pair."""
        from airflow_provider_audio.hooks.aiozstream import MediaStatus

        if self.reuse_key is None:
            return None
        value = self._reuse_value(request)
        assert value is not None
        found = self.hook.find_media_by_metadata(
            self.reuse_key, value, statuses=["done", "transcoding", "new"]
        )
        for wanted in (MediaStatus.DONE, MediaStatus.TRANSCODING):
            for media in found:
                if media.status is wanted:
                    return media
        own = self._mark(context, "").value
        for media in found:
            if not media.metadata().get(UPLOAD_MARK_KEY, "").startswith(own):
                # Begun by another task (another run, a manual upload): never deleted from here.
                self.log.warning(
                    "Media %s (%s=%s) is an upload another task began and has not completed; left alone",
                    media.id,
                    self.reuse_key,
                    value,
                )
                continue
            # An upload an earlier try of this task began and lost track of: its confirmed parts are
            # unknown, so it cannot be resumed; remove it rather than leave it half-made.
            self.log.warning(
                "Deleting media %s: an upload an earlier try of this task left incomplete", media.id
            )
            self.hook.delete_media(media.id)
        return None

    @staticmethod
    def _mark(context: Context, marker: str) -> MetadataItem:
        """The pair a media this task instance creates carries (``marker``: the submit's)."""
        from airflow_provider_audio.models.aiozstream import MetadataItem

        return MetadataItem(key=UPLOAD_MARK_KEY, value=f"{task_mark(context)}.{marker}")

    def _guard_cost(self, hook: AiozStreamHook, request: CreateMediaRequest, source: UploadSource) -> None:
        if not self.check_cost:
            return
        duration = self.source_duration(source)
        if duration is None:
            raise AudioInputError(
                "cost guard",
                ["duration_seconds: needed to price the transcoding when the source is not a WAV file"],
            )
        resolutions = request.resolutions() or DEFAULT_RESOLUTIONS
        cost = hook.media_cost(resolutions, duration)
        self.log.info("Transcoding %.1f s into %s costs %.4f USD", duration, resolutions, cost.price)
        if not cost.is_enough:
            raise AudioCostGuardError(
                f"AIOZ Stream balance is not enough for {cost.price:.4f} USD of transcoding; "
                "nothing was created"
            )
        if self.max_price is not None and cost.price > self.max_price:
            raise AudioCostGuardError(
                f"transcoding would cost {cost.price:.4f} USD, above max_price {self.max_price:.4f}; "
                "nothing was created"
            )

    def _upload(
        self,
        context: Context,
        hook: AiozStreamHook,
        media_id: str,
        source: UploadSource,
        state: dict[str, Any],
    ) -> None:
        def record(progress: UploadProgress) -> None:
            state["confirmed"] = progress.confirmed
            self.remember(context, state)

        self._uploading_media_id = media_id
        hook.upload_parts(
            media_id,
            source,
            self.part_size,
            already_confirmed=int(state.get("confirmed", 0)),
            on_confirmed=record,
        )
        self._uploading_media_id = None

    def lineage(self, result: dict[str, Any]) -> tuple[list[Any], list[Any], dict[str, Any]]:
        from airflow_provider_audio.lineage import service_object_dataset

        inputs = [dataset for dataset in [self.source_dataset()] if dataset is not None]
        media = service_object_dataset(self.hook.settings().base_url, f"media/{result['media_id']}")
        return inputs, [media], {}

    def source_dataset(self) -> Any:
        """The dataset of the audio this task uploads (``None`` when there is none)."""
        from airflow_provider_audio.lineage import location_dataset

        return location_dataset(self.source) if self.source is not None else None

    def on_kill(self) -> None:
        """
        A task killed mid-upload deletes its incomplete media (a retry creates a new one and
        uploads anew); once complete, transcoding cannot be cancelled and the media stays.
        """
        media_id = self._uploading_media_id
        if media_id is None:
            self.log.warning(
                "AIOZ Stream cannot cancel transcoding; a media already completed stays. Its id is in "
                "this task's XCom under 'media_id' (remove it with AiozStreamDeleteMediaOperator)."
            )
            return
        try:
            self.hook.delete_media(media_id)
        except AudioServiceError as error:
            self.log.error("Could not delete the incomplete media %s: %s", media_id, error)
        else:
            self.log.warning("Deleted media %s, whose upload was interrupted", media_id)

    def job_result(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        summary: dict[str, Any] = dict(event.get("result") or {})
        stored = self.recall(context) or {}
        expected = stored.get("total")
        if expected and summary.get("size_bytes") and summary["size_bytes"] != expected:
            raise AudioJobFailedError(
                f"AIOZ Stream media {summary.get('media_id')} holds {summary['size_bytes']} bytes "
                f"but the source has {expected}"
            )
        return self._published(context, summary, reused=bool(stored.get("reused")))

    def _published(self, context: Context, summary: dict[str, Any], *, reused: bool) -> dict[str, Any]:
        player = summary.get("hls_player_url") or summary.get("dash_player_url")
        self.record_link(context, PLAYER_URL_XCOM_KEY, player)
        made = f"media {summary.get('media_id')}{self.made_from()}"
        self.log_made(
            context,
            f"{made} (reused: published before, nothing uploaded)" if reused else made,
            took_seconds=self.job_elapsed(context),
            size_bytes=summary.get("size_bytes"),
            audio_seconds=summary.get("duration_seconds"),
            url=player or summary.get("hls_url"),
        )
        return {**summary, "reused": reused}

    def made_from(self) -> str:
        """Where the media's audio came from, for the summary line (`` from /data/a.wav``)."""
        return f" from {self.source}" if self.source is not None else ""


class AiozStreamUpdateMediaOperator(AiozStreamOperatorMixin, BaseOperator):
    """
    Change a media's title, description, metadata, tags, visibility or player.

    :param media_id: the media (templated).
    :param changes: the fields to change, as ``PATCH /media/{id}`` takes them; ``metadata`` may be a
        dict (templated).
    :param conn_id: the AIOZ Stream connection.
    """

    template_fields: Sequence[str] = ("media_id", "changes", "conn_id")
    operator_extra_links = (AiozStreamPlayerLink(),)

    def __init__(
        self,
        *,
        media_id: str,
        changes: dict[str, Any],
        conn_id: str = AIOZSTREAM_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.media_id = media_id
        self.changes = changes
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_audio.models.aiozstream import parse_update_media

        changes = dict(self.changes)
        if "metadata" in changes:
            changes["metadata"] = metadata_pairs(changes["metadata"])
        request = parse_update_media(changes)
        hook = self.hook
        before = hook.get_media(self.media_id).data
        hook.update_media(self.media_id, request)
        summary = hook.get_media(self.media_id).summary()
        self.record_link(
            context, PLAYER_URL_XCOM_KEY, summary.get("hls_player_url") or summary.get("dash_player_url")
        )
        self.log_changed(f"media {self.media_id}", request.to_payload(), before)
        return summary


class AiozStreamDeleteMediaOperator(AiozStreamOperatorMixin, BaseOperator):
    """
    Delete a media.

    :param media_id: the media (templated).
    :param missing_ok: succeed when the media is already gone.
    :param conn_id: the AIOZ Stream connection.
    """

    template_fields: Sequence[str] = ("media_id", "conn_id")

    def __init__(
        self,
        *,
        media_id: str,
        missing_ok: bool = True,
        conn_id: str = AIOZSTREAM_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.media_id = media_id
        self.missing_ok = missing_ok
        self.conn_id = conn_id

    def execute(self, context: Context) -> bool:
        try:
            self.hook.delete_media(self.media_id)
        except AudioServiceNotFoundError:
            if not self.missing_ok:
                raise
            self.log.info("Media %s does not exist; nothing to delete", self.media_id)
            return False
        return True
