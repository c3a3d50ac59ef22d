"""
The README's audioform example: an audioform templated from an Airflow Variable.

``AUDIO_TEST_AUDIOFORM_TEMPLATE`` is the operator's ``audioform`` argument (a Jinja template) and
``AUDIO_TEST_NATIVE_RENDERING=1`` sets the DAG's ``render_template_as_native_obj``.
"""

from __future__ import annotations

import os
from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator

DAG_ID = "readme_audioform"

with DAG(
    dag_id=DAG_ID,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    render_template_as_native_obj=os.environ.get("AUDIO_TEST_NATIVE_RENDERING") == "1",
) as dag:
    AudioStackBuildAudioformOperator(
        task_id="run",
        audioform=os.environ.get("AUDIO_TEST_AUDIOFORM_TEMPLATE", "{{ var.value.episode_audioform }}"),
        poll_interval=0.2,
    )
