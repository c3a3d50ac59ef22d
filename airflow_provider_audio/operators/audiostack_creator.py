"""AudioStack batch builds, briefs and stories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_audio.defaults import MAX_BATCH_ITEMS
from airflow_provider_audio.exceptions import AudioInputError, AudioJobFailedError
from airflow_provider_audio.operators.audiostack import AudioStackJobOperator

# Hooks and models are imported in methods: DAG files parse without the HTTP client and models.
if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_audio.models.audioform import Audioform
    from airflow_provider_audio.models.audiostack_creator import BriefRequest, StoryRequest

# A story runs up to 10 hours of audio: give it hours, and poll once a minute.
DEFAULT_STORY_TIMEOUT = timedelta(hours=12)
DEFAULT_STORY_POLL_INTERVAL = 60.0


class AudioStackBatchBuildOperator(AudioStackJobOperator):
    """
    Build many audioforms through AudioStack batches: up to 1000 per batch, more split into several.

    Every audioform is validated before anything is sent (problems are named
    ``items[3] (episode-12): production...``), and the voices and sound templates of all of them are
    checked against AudioStack's lists, read once for the whole set. Batches submitted by an earlier
    try are re-attached,
    and a partly submitted set resumes after the last batch sent. Returns
    ``{"items": [{name, audioform_id, status, uri, errors}], "failed": [names], "batch_ids": [...]}``.

    :param items: ``{name: audioform}`` or ``[{"name", "audioform"}]`` (templated).
    :param fail_on_item_error: fail the task when any item failed (after all have ended).
    :param batch_size: items per batch, at most 1000.
    """

    resource = "batch"
    state_store_key = "audiostack_batches"
    submit_route = "POST /audioforms/batches"
    template_fields: Sequence[str] = ("items", "conn_id")

    def __init__(
        self,
        *,
        items: Mapping[str, Any] | list[dict[str, Any]],
        fail_on_item_error: bool = True,
        batch_size: int = MAX_BATCH_ITEMS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not 1 <= batch_size <= MAX_BATCH_ITEMS:
            raise AudioInputError(
                f"{type(self).__name__} arguments", [f"batch_size: {batch_size}; allowed 1 to 1000"]
            )
        self.items = items
        self.fail_on_item_error = fail_on_item_error
        self.batch_size = batch_size
        self._validated: list[tuple[str, Audioform]] = []

    def validate(self, context: Context) -> None:
        from airflow_provider_audio.hooks.audiostack_library import LibraryReferences, audioform_references
        from airflow_provider_audio.models.audioform import parse_audioform

        if not isinstance(self.items, Mapping | list):
            raise AudioInputError(
                "batch",
                [
                    f"items: got a {type(self.items).__name__} ({self.items!r:.60}); give "
                    '{name: audioform} or a list of {"name": ..., "audioform": ...}'
                ],
            )
        pairs = (
            list(self.items.items())
            if isinstance(self.items, Mapping)
            else [
                (item.get("name"), item.get("audioform")) if isinstance(item, Mapping) else (None, None)
                for item in self.items
            ]
        )
        if not pairs:
            raise AudioInputError("batch", ["items: empty; a batch needs at least one audioform"])
        problems: list[str] = []
        seen: set[str] = set()
        validated: list[tuple[str, Audioform]] = []
        references = LibraryReferences()
        for index, (name, audioform) in enumerate(pairs):
            label = f"items[{index}]"
            if not isinstance(name, str) or not name.strip():
                problems.append(f"{label}.name: a non-empty name is needed")
                continue
            if name in seen:
                problems.append(f"{label}.name: {name!r} appears twice; names must be unique")
            seen.add(name)
            if not isinstance(audioform, Mapping):
                problems.append(f"{label} ({name}).audioform: an audioform object is needed")
                continue
            try:
                parsed = parse_audioform(audioform).audioform
            except AudioInputError as error:
                problems.extend(f"{label} ({name}).audioform.{problem}" for problem in error.problems)
                continue
            validated.append((name, parsed))
            references += audioform_references(parsed).under(f"{label} ({name}).audioform")
        if problems:
            raise AudioInputError("batch", problems)
        self.hook.check_library_names("batch", references)
        self._validated = validated

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        chunks = [
            self._validated[i : i + self.batch_size] for i in range(0, len(self._validated), self.batch_size)
        ]
        batch_ids = list(already[: len(chunks)])
        for chunk in chunks[len(batch_ids) :]:
            batch_ids.append(self.hook.submit_batch(chunk))
            self.remember_partial(context, {"resource_ids": batch_ids})
        return batch_ids

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> dict[str, Any]:
        built = [entry for batch in items.values() for entry in batch["result"].get("items", [])]
        failed = [entry for entry in built if entry["status"] != "succeeded"]
        if failed:
            details = "; ".join(
                f"{entry['name']}: {entry['errors'] or 'no delivery'}" for entry in failed[:20]
            )
            message = f"{len(failed)} of {len(built)} audioforms failed: {details}"
            if self.fail_on_item_error:
                raise AudioJobFailedError(message)
            self.log.warning(message)
        self.log_made(
            context,
            f"{len(built) - len(failed)} of {len(built)} audioform(s) in batch(es) {', '.join(items)}",
            took_seconds=self.job_elapsed(context),
        )
        return {"items": built, "failed": [entry["name"] for entry in failed], "batch_ids": list(items)}


class AudioStackBriefOperator(AudioStackJobOperator):
    """
    Turn a brief (a product description or a script) into 1-5 ads, and wait for every ad. A voice
    or sound design the brief names that AudioStack does not list fails the task before the brief
    is paid for.

    Returns ``[{audioform_id, uri, delivery}]``, one per ad; any ad that fails fails the task,
    naming it.

    :param brief: the brief (``script``, ``voices``, ``sounds``, ``production``, ``delivery``) (templated).
    :param file_id: an uploaded brief file, instead of ``brief`` (templated).
    :param num_ads: how many ads, 1-5 (AudioStack's default is 3).
    :param audioform_version: the audioform format version to produce.
    """

    resource = "audioform"
    state_store_key = "audiostack_brief"
    submit_route = "POST /creator/brief"
    template_fields: Sequence[str] = ("brief", "file_id", "conn_id")

    def __init__(
        self,
        *,
        brief: dict[str, Any] | None = None,
        file_id: str | None = None,
        num_ads: int | None = None,
        audioform_version: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.brief = brief
        self.file_id = file_id
        self.num_ads = num_ads
        self.audioform_version = audioform_version
        self._request: BriefRequest | None = None

    def validate(self, context: Context) -> None:
        from airflow_provider_audio.hooks.audiostack_library import brief_references
        from airflow_provider_audio.models.audiostack_creator import parse_brief

        body: dict[str, Any] = {}
        for key, value in (
            ("brief", self.brief),
            ("fileId", self.file_id),
            ("numAds", self.num_ads),
            ("audioformVersion", self.audioform_version),
        ):
            if value is not None:
                body[key] = value
        request = parse_brief(body)
        self.hook.check_library_names("brief", brief_references(request))
        self._request = request

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        assert self._request is not None
        return self.hook.submit_brief(self._request)

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        ads = []
        for audioform_id, item in items.items():
            delivery = item["result"].get("delivery") or {}
            ads.append({"audioform_id": audioform_id, "uri": delivery.get("uri"), "delivery": delivery})
        self.log_made(
            context,
            f"{len(ads)} ad(s) from a brief: audioform(s) {', '.join(items)}",
            took_seconds=self.job_elapsed(context),
        )
        return ads


class AudioStackStoryOperator(AudioStackJobOperator):
    """
    Produce long-form audio (up to 10 hours) from a story of chapters and narratives.

    The wait is measured in hours (default 12 h, a poll a minute) and survives triggerer restarts
    with the same absolute deadline. A failed story (which AudioStack reports as HTTP 200 with an
    inner ``statusCode`` 500) fails the task with AudioStack's message. Returns
    ``{story_id, story_result, chapters: [{audioform_id, uri}]}``.

    :param story: the story, or ``{"story": {...}}`` (templated).
    """

    resource = "story"
    state_store_key = "audiostack_story"
    submit_route = "POST /creator/story"
    template_fields: Sequence[str] = ("story", "conn_id")

    def __init__(
        self,
        *,
        story: dict[str, Any],
        poll_interval: float = DEFAULT_STORY_POLL_INTERVAL,
        job_timeout: timedelta = DEFAULT_STORY_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(poll_interval=poll_interval, job_timeout=job_timeout, **kwargs)
        self.story = story
        self._request: StoryRequest | None = None

    def validate(self, context: Context) -> None:
        from airflow_provider_audio.models.audiostack_creator import parse_story

        self._request = parse_story(self.story)

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        assert self._request is not None
        return [self.hook.submit_story(self._request)]

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> dict[str, Any]:
        story_id, item = next(iter(items.items()))
        chapters = item["result"].get("audioforms", [])
        self.log_made(
            context,
            f"story {story_id} ({len(chapters)} chapter(s))",
            took_seconds=self.job_elapsed(context),
        )
        return {
            "story_id": story_id,
            "story_result": item["result"].get("story_result"),
            "chapters": chapters,
        }
