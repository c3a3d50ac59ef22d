"""
Build -> stream, for ``tests/system/test_openlineage.py``: an audioform given as a JSON file (the
task's ``inlets`` name the article it narrates) is built by AudioStack, and the delivered file is
streamed into an AIOZ Stream media. Run with dag.test() under the OpenLineage provider.

It has a folder (and DAG bundle, in tests/conftest.py) of its own: dag.test() parses every file
of its DAG's bundle, and a file beside
``tests/system/dags/operator_under_test.py`` would run its operators' code in every test of that
DAG (the house walk counted it).
"""

from __future__ import annotations

import os
from datetime import datetime

from airflow.sdk import DAG, Asset

from airflow_provider_audio.operators.audiostack import AudioStackBuildAudioformOperator
from airflow_provider_audio.transfers.audiostack_to_aiozstream import AudioStackToAiozStreamOperator

DAG_ID = "openlineage_build_stream"
#: The test writes these files and names them in the environment.
AUDIOFORM_FILE = os.environ.get("AUDIO_TEST_AUDIOFORM_FILE", "/nonexistent/audioform.json")
ARTICLE_FILE = os.environ.get("AUDIO_TEST_ARTICLE_FILE", "/nonexistent/article.json")

with DAG(dag_id=DAG_ID, schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
    build = AudioStackBuildAudioformOperator(
        task_id="build",
        audioform=AUDIOFORM_FILE,
        inlets=[Asset(f"file://{ARTICLE_FILE}")],
        poll_interval=0.2,
    )
    AudioStackToAiozStreamOperator(
        task_id="stream",
        audioform_id="{{ ti.xcom_pull(task_ids='build')['audioform_id'] }}",
        title="Lineage episode",
        poll_interval=0.2,
    ).set_upstream(build)
