"""
A wait whose deadline is Airflow's trigger timeout (``deadline=None``), as a sensor that starts in
the triggerer needs it; and the sensor's start arguments as the scheduler reads them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from airflow_provider_audio.sensors.aiozstream import AiozStreamMediaSensor
from airflow_provider_audio.triggers.aiozstream import AiozStreamTranscodeTrigger


def trigger_without_deadline() -> AiozStreamTranscodeTrigger:
    return AiozStreamTranscodeTrigger(
        conn_id="aiozstream_default", media_id="m-1", poll_interval=0.01, deadline=None
    )


def test_a_wait_without_deadline_serializes_none_to_be_bounded_again_after_a_restart() -> None:
    trigger = trigger_without_deadline()
    _, kwargs = trigger.serialize()
    assert kwargs["deadline"] is None
    # Resolved in run(), from what the triggerer gives each time it loads the trigger.
    trigger.timeout_after = datetime.now(UTC) + timedelta(minutes=5)
    assert trigger.serialize()[1]["deadline"] is None


async def test_a_wait_without_deadline_nor_trigger_timeout_ends_with_an_error() -> None:
    events = [event.payload async for event in trigger_without_deadline().run()]
    assert events == [
        {
            "status": "error",
            "message": "no deadline for media m-1: give one, or a timeout",
            "media_id": "m-1",
            "result": {},
        }
    ]


async def test_a_wait_without_deadline_ends_at_the_trigger_timeout() -> None:
    trigger = trigger_without_deadline()
    trigger.timeout_after = datetime.now(UTC) - timedelta(seconds=1)
    started = time.monotonic()
    events = [event.payload async for event in trigger.run()]
    assert [event["status"] for event in events] == ["timeout"]
    assert trigger.deadline == trigger.timeout_after.timestamp()
    assert time.monotonic() - started < 1.0


def test_sensor_started_in_the_triggerer_names_its_trigger_and_timeout() -> None:
    sensor = AiozStreamMediaSensor(
        task_id="wait",
        media_id="{{ dag_run.conf['media_id'] }}",
        start_from_trigger=True,
        poke_interval=5,
        timeout=600,
    )
    args = sensor.start_trigger_args
    assert sensor.start_from_trigger and sensor.deferrable
    assert args is not None
    assert args.trigger_cls == "airflow_provider_audio.triggers.aiozstream.AiozStreamTranscodeTrigger"
    assert args.next_method == "execute_complete"
    assert args.timeout == timedelta(seconds=600)
    # The templated fields the triggerer renders are named by the trigger's kwargs.
    assert args.trigger_kwargs == {
        "conn_id": "aiozstream_default",
        "media_id": "{{ dag_run.conf['media_id'] }}",
        "poll_interval": 5.0,
        "deadline": None,
    }
    assert set(args.trigger_kwargs) >= set(sensor.template_fields)
    # The trigger takes exactly these arguments.
    assert AiozStreamTranscodeTrigger(**args.trigger_kwargs).media_id == "{{ dag_run.conf['media_id'] }}"


def test_sensor_not_started_in_the_triggerer_has_no_start_arguments() -> None:
    sensor = AiozStreamMediaSensor(task_id="wait", media_id="m-1")
    assert not sensor.start_from_trigger
    assert sensor.start_trigger_args is None
