"""
### Ads from a brief

AudioStack writes and produces two 20-second radio ads from a product brief (name, description,
call to action, audience, tone; voice `joanna` over the `cityscape` sound design, MP3 at radio
loudness); the DAG waits on every ad in the triggerer and lists their audio URLs.

**Needs**

- the connection `audiostack_default` (AudioStack API key);
- no shared storage: the ads stay with AudioStack (their URLs are listed);
- `AUDIO_POLL_SECONDS` (optional): seconds between polls of a job (10 by default).

No params: the brief is written in the DAG file.

Tasks retry twice, 30 s apart; a retry re-attaches to a job already submitted instead of paying
for it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_audio.operators.audiostack_creator import AudioStackBriefOperator
from audio_examples.defaults import DEFAULT_ARGS
from audio_examples.storage import poll_seconds

with DAG(
    dag_id="brief_ads",
    description="Radio ads from a product brief with AudioStack",
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "audiostack"],
) as dag:
    ads = AudioStackBriefOperator(
        task_id="write_and_produce_ads",
        brief={
            "script": {
                "productName": "Harbour Tea",
                "productDescription": "Loose-leaf tea blended and packed by the harbour since 1921",
                "adLength": 20,
                "callToAction": "Find it at the harbour shop",
                "targetAudience": "morning radio listeners",
                "toneOfScript": "warm",
            },
            "voices": [{"alias": "joanna"}],
            "sounds": {"soundDesign": [{"alias": "cityscape", "useSmartFit": True}]},
            "delivery": {"encoderPreset": "mp3", "loudnessPreset": "radio"},
        },
        num_ads=2,
        poll_interval=poll_seconds(),
        deferrable=True,
    )

    @task
    def list_ads(produced: list[dict[str, Any]]) -> list[str]:
        """The ads' audio URLs."""
        for ad in produced:
            print(f"{ad['audioform_id']}: {ad['uri']}")
        return [ad["uri"] for ad in produced]

    list_ads(ads.output)
