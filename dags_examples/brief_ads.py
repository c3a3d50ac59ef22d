"""
Ads from a brief: AudioStack writes and produces radio ads from a product description; the DAG
waits on every ad and lists their audio.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_audio.operators.audiostack_creator import AudioStackBriefOperator
from audio_examples.storage import poll_seconds

with DAG(
    dag_id="brief_ads",
    description="Radio ads from a product brief with AudioStack",
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
