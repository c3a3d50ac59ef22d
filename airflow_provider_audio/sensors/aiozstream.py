"""Waiting on AIOZ Stream media: one published elsewhere, or a set of them with one listing per interval."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, conf

from airflow_provider_audio.defaults import AIOZSTREAM_CONN_ID
from airflow_provider_audio.exceptions import AudioJobFailedError
from airflow_provider_audio.operators.aiozstream import PLAYER_URL_XCOM_KEY, AiozStreamPlayerLink

# The hook and trigger are imported in methods: DAG files parse without the HTTP client.
if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_audio.triggers.aiozstream import AiozStreamMediaSetTrigger


class AiozStreamMediaSensor(BaseSensorOperator):
    """
    Wait until a media is transcoded (``done``); ``fail`` or ``deleted`` fail the sensor at once.

    Deferrable: the wait runs in :class:`AiozStreamTranscodeTrigger`, bounded by the sensor's
    ``timeout``. With ``start_from_trigger`` the task starts in the triggerer (Airflow 3's
    "triggering deferral from task start"): the scheduler defers it at once, ``media_id`` and
    ``conn_id`` are rendered there, and a worker runs only ``execute_complete`` once the media is
    done, so a sensor waiting on a long transcoding never takes a worker slot. The wait is then
    bounded by ``timeout`` as Airflow's trigger timeout. Returns the media summary (HLS/DASH and
    player URLs...).

    :param media_id: the media to watch (templated).
    :param conn_id: the AIOZ Stream connection.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param start_from_trigger: start in the triggerer, with no worker before the trigger fires
        (implies ``deferrable``).
    """

    template_fields: Sequence[str] = ("media_id", "conn_id")
    operator_extra_links = (AiozStreamPlayerLink(),)

    def __init__(
        self,
        *,
        media_id: str,
        conn_id: str = AIOZSTREAM_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        start_from_trigger: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.media_id = media_id
        self.conn_id = conn_id
        self.deferrable = deferrable or start_from_trigger
        self.start_from_trigger = start_from_trigger
        self._summary: dict[str, Any] | None = None
        if start_from_trigger:
            # Imported here: DAG files that do not start sensors in the triggerer parse without it.
            from airflow.triggers.base import StartTriggerArgs

            self.start_trigger_args = StartTriggerArgs(
                trigger_cls="airflow_provider_audio.triggers.aiozstream.AiozStreamTranscodeTrigger",
                # Rendered in the triggerer (the templated fields named here); no deadline of the
                # trigger's own: the trigger timeout below bounds the wait, and Airflow keeps it.
                trigger_kwargs={
                    "conn_id": conn_id,
                    "media_id": media_id,
                    "poll_interval": float(self.poke_interval),
                    "deadline": None,
                },
                next_method="execute_complete",
                timeout=timedelta(seconds=float(self.timeout)),
            )

    def execute(self, context: Context) -> Any:
        from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger

        if not self.deferrable:
            super().execute(context)
            return self._finish(context, self._summary or {})
        self.defer(
            trigger=AiozStreamTranscodeTrigger(
                conn_id=self.conn_id,
                media_id=self.media_id,
                poll_interval=float(self.poke_interval),
                deadline=time.time() + float(self.timeout),
            ),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> bool:
        from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, MediaStatus

        media = AiozStreamHook(self.conn_id).get_media(self.media_id)
        if media.status in (MediaStatus.FAIL, MediaStatus.DELETED):
            raise AudioJobFailedError(f"AIOZ Stream media {self.media_id} is {media.status.value}")
        self.log.info("Media %s is %s", self.media_id, media.status.value)
        if media.status is MediaStatus.DONE:
            self._summary = media.summary()
            return True
        return False

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired."""
        if event.get("status") != "success":
            raise AudioJobFailedError(str(event.get("message")))
        return self._finish(context, dict(event.get("result") or {}))

    def _finish(self, context: Context, summary: dict[str, Any]) -> dict[str, Any]:
        player = summary.get("hls_player_url") or summary.get("dash_player_url")
        if player:
            context["ti"].xcom_push(key=PLAYER_URL_XCOM_KEY, value=player)
        return summary


class AiozStreamMediaSetSensor(BaseSensorOperator):
    """
    Wait until every media of a set has ended transcoding, at the cost of one listing per interval
    for the whole set: the media carry a metadata pair of their own (``metadata``, such as the
    chunk of an archive run they were uploaded in), which filters ``POST /media``, and each listed
    media is checked on the client (see
    :class:`~airflow_provider_audio.triggers.aiozstream.AiozStreamMediaSetTrigger`). A hundred media
    cost one read per interval where a sensor per media costs a hundred.

    Deferrable: the wait runs in the set trigger, bounded by the sensor's
    ``timeout``. Returns ``{"media": {media_id: summary}, "failed": [media ids not done]}``; with
    ``fail_on_error`` (the default) any media that ended ``fail`` or ``deleted`` fails the task,
    naming them, once all have ended. An empty set succeeds at once.

    :param media_ids: the media to wait on (templated).
    :param metadata: key/value pairs every one of them carries, the listing's filter (templated);
        ``None``: each media is read alone every interval.
    :param conn_id: the AIOZ Stream connection.
    :param fail_on_error: fail when any media did not end ``done``.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    """

    template_fields: Sequence[str] = ("media_ids", "metadata", "conn_id")

    def __init__(
        self,
        *,
        media_ids: list[str],
        metadata: dict[str, str] | None = None,
        conn_id: str = AIOZSTREAM_CONN_ID,
        fail_on_error: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.media_ids = media_ids
        self.metadata = metadata
        self.conn_id = conn_id
        self.fail_on_error = fail_on_error
        self.deferrable = deferrable
        self._result: dict[str, Any] | None = None

    def _trigger(self) -> AiozStreamMediaSetTrigger:
        from airflow_provider_audio.triggers.aiozstream import AiozStreamMediaSetTrigger

        return AiozStreamMediaSetTrigger(
            media_ids=[str(media_id) for media_id in self.media_ids or []],
            metadata={str(key): str(value) for key, value in (self.metadata or {}).items()} or None,
            conn_id=self.conn_id,
            poll_interval=float(self.poke_interval),
            deadline=time.time() + float(self.timeout),
        )

    def execute(self, context: Context) -> Any:
        if not self.media_ids:
            self.log.info("No media to wait on")
            return {"media": {}, "failed": []}
        if not self.deferrable:
            super().execute(context)
            return self._finish(self._result or {})
        self.defer(trigger=self._trigger(), method_name="execute_complete")

    def poke(self, context: Context) -> bool:
        import asyncio

        judged = asyncio.run(self._trigger().poll_once())
        self.log.info("%s", judged.message)
        if judged.done:
            self._result = judged.result
        return judged.done

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired."""
        if event.get("status") != "success":
            raise AudioJobFailedError(str(event.get("message")))
        self.log.info("%s", event.get("message"))
        return self._finish(dict(event.get("result") or {}))

    def _finish(self, result: dict[str, Any]) -> dict[str, Any]:
        media: dict[str, Any] = dict(result.get("media") or {})
        failed = [media_id for media_id, summary in media.items() if summary.get("status") != "done"]
        if failed and self.fail_on_error:
            details = ", ".join(f"{media_id} ({media[media_id].get('status')})" for media_id in failed[:20])
            raise AudioJobFailedError(f"{len(failed)} of {len(media)} media did not transcode: {details}")
        return {"media": media, "failed": failed}
