"""AudioStack jobs: the base of every AudioStack operator that waits on a build, the audioform build,
and their extra links."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperatorLink

from airflow_provider_audio.defaults import AUDIOSTACK_CONN_ID
from airflow_provider_audio.exceptions import AudioInputError, AudioJobFailedError
from airflow_provider_audio.lineage import AudioLineageMixin
from airflow_provider_audio.operators.base import (
    AudioJobOperator,
    Job,
    ServiceHookMixin,
    XComUrlLink,
    vendor_console_url,
)

# Hooks, models and triggers are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import BaseOperator, Context, ObjectStoragePath, XComArg
    from airflow.sdk.types import TaskInstanceKey

    from airflow_provider_audio.hooks.audiostack import AudioStackHook  # noqa: F401 (the hook mixin's type argument)
    from airflow_provider_audio.models.audioform import Audioform
    from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger

# Builds of article-length audio, ads, speech, mixes and encodings take seconds to minutes;
# polling every 10 s keeps the added latency small for one cheap GET per job per 10 s.
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_JOB_TIMEOUT = timedelta(hours=1)

# The XCom keys under which operators keep the URLs of these links.
AUDIO_URI_XCOM_KEY = "audio_uri"
FILE_URL_XCOM_KEY = "file_url"
# AudioStack's platform, as its documentation index (seed 000) names it; no vendor material gives
# the address of a page per build or per file there.
PLATFORM_URL = "https://platform.audiostack.ai"


class AudioStackAudioLink(XComUrlLink):
    """
    The delivered audio of a build or an encoding, once it has finished: the URL AudioStack gives
    (``data.result.delivery.uri`` of an audioform, ``url`` of an encoding); a sandbox connection's
    builds are delivered by the sandbox itself.
    """

    name = "AudioStack audio"
    xcom_key = AUDIO_URI_XCOM_KEY


class AudioStackFileLink(XComUrlLink):
    """The library file a task uploaded, downloaded, changed or copied: its ``url``, as
    ``GET /files/{fileId}`` gives it."""

    name = "AudioStack file"
    xcom_key = FILE_URL_XCOM_KEY


class AudioStackPlatformLink(BaseOperatorLink):
    """
    AudioStack's platform (its home page, where builds and credits are seen), only when the
    operator's connection reaches AudioStack's own API; empty for the sandbox or another host, whose
    builds the platform does not hold.
    """

    name = "AudioStack platform"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        return vendor_console_url(operator, PLATFORM_URL)


class AudioStackOperatorMixin(ServiceHookMixin["AudioStackHook"]):
    """``hook``: the AudioStack hook of ``conn_id``."""

    hook_path = "airflow_provider_audio.hooks.audiostack.AudioStackHook"


class AudioStackJobOperator(AudioStackOperatorMixin, AudioJobOperator):
    """
    Base of AudioStack operators that start a job and wait for it in
    :class:`~airflow_provider_audio.triggers.audiostack.AudioStackResourceTrigger`.

    Subclasses set ``resource`` and ``state_store_key`` and implement :meth:`validate`,
    :meth:`submit_ids` and :meth:`items_result`. The ids :meth:`submit_ids` returns are pushed to
    XCom (``<resource>_ids``) and kept in the task state store, so a retry re-attaches to the jobs
    already paid for; a job that failed or is gone is submitted anew. AudioStack cannot be asked
    which builds, batches, briefs, stories, speech, mixes or encodings exist (and takes no
    idempotency key), so when a submit's answer was lost ``on_lost_submit`` decides the retry:
    ``"fail"`` (default: nothing is paid again) or ``"resubmit"``. A file upload is the exception:
    its lost record is found in its folder (see ``AudioStackUploadFileOperator.find_lost_job``).

    :param conn_id: the AudioStack connection.
    :param poll_interval: seconds between polls.
    :param job_timeout: how long the job may take.
    """

    resource: ClassVar[str]
    template_fields: Sequence[str] = ("conn_id",)

    def __init__(
        self,
        *,
        conn_id: str = AUDIOSTACK_CONN_ID,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        job_timeout: timedelta = DEFAULT_JOB_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, poll_interval=poll_interval, job_timeout=job_timeout, **kwargs)

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        """
        Start the job; return every id to wait on.

        :param already: ids an earlier try submitted for a job submitted in several calls (large
            batches); usually empty.
        """
        raise NotImplementedError

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> Any:
        """The task's result, from the trigger's ``items`` (id -> state, result, errors)."""
        raise NotImplementedError

    def submit(self, context: Context, partial: Job | None) -> Job:
        already = [str(i) for i in (partial or {}).get("resource_ids") or []]
        return {"resource_ids": self.submit_ids(context, already)}

    def job_xcom(self, job: Job) -> dict[str, Any]:
        return {f"{self.resource}_ids": job["resource_ids"]}

    def make_trigger(self, job: Job) -> AudioStackResourceTrigger:
        from airflow_provider_audio.triggers.audiostack import AudioStackResourceTrigger

        return AudioStackResourceTrigger(
            resource=self.resource, resource_ids=list(job["resource_ids"]), **self.wait_arguments(job)
        )

    def job_result(self, context: Context, event: dict[str, Any]) -> Any:
        return self.items_result(context, dict((event.get("result") or {}).get("items") or {}))

    def on_kill(self) -> None:
        # AudioStack has no route that cancels a build: say so, so nobody expects it stopped.
        self.log.warning(
            "AudioStack cannot cancel a %s; one already submitted will finish (and be billed) on "
            "AudioStack. Its ids are in this task's XCom under '%s_ids'.",
            self.resource,
            self.resource,
        )


class AudioStackBuildAudioformOperator(AudioLineageMixin, AudioStackJobOperator):
    """
    Build one audioform and wait for the delivered file, without holding a worker slot.

    The audioform is validated after rendering and before anything is paid for: its form, and the
    voices and sound templates it names against AudioStack's own lists (read once per task; an
    account that cannot read a list is warned and not checked). Its id is pushed to
    XCom (key ``audioform_id``) as soon as AudioStack accepts it, and kept in the task state store
    where Airflow offers one, so a retry of this task re-attaches to the build it already paid for
    (or goes straight to the delivery of a finished one) instead of submitting it again. The wait
    happens in :class:`~airflow_provider_audio.triggers.audiostack.AudioStackResourceTrigger`
    (deferrable mode) or in the task with the same polling code (``deferrable=False``).

    Returns ``{audioform_id, uri, extension, encoder_preset, loudness_preset, public,
    duration_seconds, output_path, size_bytes}``. With the OpenLineage provider installed,
    a build reports its inputs (the audioform's JSON file, when it was given as one, and the
    task's ``inlets``, such as the article it narrates) and outputs (the delivered file, and
    ``output_path`` when downloaded), and the audioform id as the run's external job.

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

    resource = "audioform"
    state_store_key = "audiostack_audioform"
    submit_route = "POST /audioforms"
    template_fields: Sequence[str] = ("audioform", "output_path", "conn_id")
    template_fields_renderers = {"audioform": "json"}
    operator_extra_links = (AudioStackAudioLink(), AudioStackPlatformLink())
    ui_color = "#e8d7f7"

    def __init__(
        self,
        *,
        audioform: dict[str, Any] | str | os.PathLike[str] | XComArg,
        output_path: str | os.PathLike[str] | ObjectStoragePath | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.audioform = audioform
        self.output_path = output_path
        self._validated: Audioform | None = None

    def validate(self, context: Context) -> None:
        """The rendered audioform, validated; raises :class:`AudioInputError` naming every bad field,
        then every voice or sound template AudioStack does not list."""
        from airflow_provider_audio.client.files import destination_problems
        from airflow_provider_audio.hooks.audiostack_library import audioform_references
        from airflow_provider_audio.models.audioform import parse_audioform
        from airflow_provider_audio.models.validation import load_json_input

        if self.output_path is not None:
            problems = destination_problems(self.output_path, "output_path")
            if problems:
                raise AudioInputError(f"{type(self).__name__} arguments", problems)
        source = self.audioform
        data = load_json_input(os.fspath(source) if isinstance(source, os.PathLike) else source, "audioform")
        parsed = parse_audioform(data)
        for warning in parsed.warnings:
            self.log.warning("audioform: %s", warning)
        self.hook.check_library_names("audioform", audioform_references(parsed.audioform))
        self._validated = parsed.audioform

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        assert self._validated is not None
        return [self.hook.submit_audioform(self._validated).audioform_id]

    def job_xcom(self, job: Job) -> dict[str, Any]:
        return {"audioform_id": job["resource_ids"][0]}

    def lineage(self, result: dict[str, Any]) -> tuple[list[Any], list[Any], dict[str, Any]]:
        from airflow_provider_audio.lineage import (
            external_job_facet,
            location_dataset,
            service_object_dataset,
        )

        inputs = []
        source = self.audioform
        # A path (or a template rendered to one) rather than the audioform's JSON text or a dict.
        is_path = isinstance(source, str) and not source.lstrip().startswith("{")
        if isinstance(source, os.PathLike) or is_path:
            inputs.append(location_dataset(source))
        outputs = [location_dataset(result["uri"])] if result.get("uri") else []
        if result.get("output_path"):
            outputs.append(location_dataset(result["output_path"]))
        audioform_id = str(result["audioform_id"])
        audioform = service_object_dataset(self.hook.settings().base_url, f"audioforms/{audioform_id}")
        facets = external_job_facet(audioform_id, f"{audioform.namespace}{audioform.name}")
        return inputs, outputs, facets

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> dict[str, Any]:
        from airflow_provider_audio.client.files import as_destination, wav_duration_seconds

        audioform_id, item = next(iter(items.items()))
        result = item["result"]
        delivery = result.get("delivery") or {}
        uri = delivery.get("uri")
        if not uri:
            raise AudioJobFailedError(f"audioform {audioform_id} finished without a delivery uri: {result!r}")
        self.record_link(context, AUDIO_URI_XCOM_KEY, uri)
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
        self.log_made(
            context,
            f"audioform {audioform_id}",
            took_seconds=self.job_elapsed(context),
            size_bytes=output["size_bytes"],
            audio_seconds=output["duration_seconds"],
            location=output["output_path"],
            url=uri,
        )
        return output
