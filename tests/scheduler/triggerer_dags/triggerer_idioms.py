"""
The DAGs of ``tests/scheduler/test_triggerer_idioms.py``, parsed by a real dag-processor and run by
a real scheduler (LocalExecutor) and triggerer against the sandbox: a deferred upload the test kills
through the REST API, a media sensor that starts in the triggerer, and a DAG scheduled on an
article feed's asset watcher.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Asset, AssetWatcher, task

from airflow_provider_audio.operators.aiozstream import AiozStreamUploadAudioOperator
from airflow_provider_audio.sensors.aiozstream import AiozStreamMediaSensor
from airflow_provider_audio.triggers.article_feed import ArticleFeedTrigger

#: An upload whose task the test marks failed while its transcoding is waited on in the triggerer.
KILL_DAG_ID = "kill_deferred_upload"
#: A sensor that never runs on a worker before its trigger fires.
SENSOR_DAG_ID = "sensor_starts_in_triggerer"
#: A DAG run by the article feed's watcher when articles appear in the feed.
FEED_DAG_ID = "feed_watcher_runs"
DAG_IDS = (KILL_DAG_ID, SENSOR_DAG_ID, FEED_DAG_ID)

UPLOAD_TASK_ID = "upload"
SENSOR_TASK_ID = "wait_for_media"
FEED_TASK_ID = "announced"
#: The watched feed: a folder in the stack's Airflow home (the test writes the articles there).
FEED_FOLDER = Path(os.environ.get("AIRFLOW_HOME", "/nonexistent")) / "article-feed"
FEED_ASSET = "idioms-article-feed"
POLL_INTERVAL = 1.0


def idiom_dag(dag_id: str) -> DAG:
    return DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        is_paused_upon_creation=False,
        tags=["test"],
    )


with idiom_dag(KILL_DAG_ID):
    AiozStreamUploadAudioOperator(
        task_id=UPLOAD_TASK_ID,
        # The test writes the WAV file and passes its path in the run's conf.
        source="{{ dag_run.conf['source'] }}",
        title="Killed while transcoding",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
    )

with idiom_dag(SENSOR_DAG_ID):
    AiozStreamMediaSensor(
        task_id=SENSOR_TASK_ID,
        # Rendered in the triggerer: the task starts there, with no worker before.
        media_id="{{ dag_run.conf['media_id'] }}",
        start_from_trigger=True,
        poke_interval=POLL_INTERVAL,
        timeout=120,
    )

article_feed = Asset(
    FEED_ASSET,
    watchers=[
        AssetWatcher(
            name="idioms-article-feed-watcher",
            trigger=ArticleFeedTrigger(feed=str(FEED_FOLDER), poll_interval=POLL_INTERVAL),
        )
    ],
)

with DAG(
    dag_id=FEED_DAG_ID,
    schedule=[article_feed],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    tags=["test"],
):

    @task(task_id=FEED_TASK_ID)
    def announced(triggering_asset_events: Any = None) -> list[str]:
        """The article ids the watcher's events of this run announced."""
        return [
            str(article)
            for event in (triggering_asset_events or {}).get(article_feed, [])
            for article in ((event.extra or {}).get("payload") or {}).get("articles", [])
        ]

    announced()
