"""
### Scheduled conversion

Every night, narrates and publishes as streaming episodes the feed's articles published the day
before (the article pipeline of `article_to_stream`: AudioStack narration, AIOZ Stream upload,
transcoding and publishing, an Asset event per episode).

**Which day a run converts: the day of its logical date.** The schedule is a data-interval
timetable (`CronDataIntervalTimetable`, UTC days): the run that starts at midnight after 18 November
has that day as data interval and 18 November as logical date. A run given a logical date converts
that day's articles, however it was made: `airflow dags trigger scheduled_conversion --logical-date
2026-11-18` (Airflow 3.3's CLI records the trigger time as such a run's data interval, so the data
interval cannot say the day), a trigger from the UI or the REST API, `airflow dags test
scheduled_conversion 2026-11-18`, a backfill. A run triggered without a logical date converts the
articles of the day it was triggered.

Reruns and backfills (`airflow backfill create --dag-id scheduled_conversion --from-date ...
--to-date ...`) are idempotent: an article already published is found on AIOZ Stream by its id and
skipped before anything is built, so no article is built or uploaded twice.

**Needs**

- the connections `audiostack_default` (AudioStack API key) and `aiozstream_default` (AIOZ secret
  key as password, `public_key` in the extras);
- no shared storage: audio moves from AudioStack to AIOZ Stream directly;
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

**Params**

- `feed`: a folder of article JSON files readable by the worker (the samples in `data/articles` by
  default); an article's `published` date (`YYYY-MM-DD`) picks its day.

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task

from audio_examples.articles import SAMPLE_ARTICLES, load_articles
from audio_examples.defaults import DEFAULT_ARGS
from audio_examples.pipeline import publish_articles


def run_day(logical_date: datetime | None, run_after: datetime) -> date:
    """
    The UTC day whose articles a run converts: its logical date's; for a run without one (triggered
    with no logical date), the day it was triggered (``run_after``).
    """
    moment = logical_date if logical_date is not None else run_after
    return moment.astimezone(UTC).date()


with DAG(
    dag_id="scheduled_conversion",
    description="Daily: publish the day's articles as audio episodes",
    doc_md=__doc__,
    # Explicit: "@daily" alone is a trigger timetable on Airflow 3 (unless [scheduler]
    # create_cron_data_intervals), whose midnight run would have the new day, still empty, as its day.
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=datetime(2026, 11, 17),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "feed": Param(
            str(SAMPLE_ARTICLES),
            type="string",
            minLength=1,
            description="A folder of article JSON files readable by the worker; `published` picks the day",
        )
    },
    tags=["example", "audiostack", "aiozstream", "backfill"],
) as dag:

    @task
    def articles_of_the_day(
        params: dict[str, Any] | None = None,
        logical_date: datetime | None = None,
        dag_run: Any = None,
    ) -> list[dict[str, Any]]:
        """The feed's articles published on the run's day: its logical date's, else its trigger's."""
        assert params is not None and dag_run is not None
        day = run_day(logical_date, dag_run.run_after)
        chosen = [
            article.to_dict()
            for article in load_articles(Path(params["feed"]))
            if date.fromisoformat(article.published) == day
        ]
        print(f"{len(chosen)} article(s) published on {day}")
        return chosen

    publish_articles(articles_of_the_day())
