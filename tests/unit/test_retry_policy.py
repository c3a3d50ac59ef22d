"""The provider's Airflow retry policy: what no retry can cure fails at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from airflow.sdk.definitions.retry_policy import RetryAction

from airflow_provider_audio.exceptions import (
    AudioCostGuardError,
    AudioInputError,
    AudioJobFailedError,
    AudioLostSubmitError,
    AudioServiceAuthError,
    AudioServiceCreditsError,
    AudioServiceRateLimitError,
    AudioServiceRequestError,
    AudioServiceServerError,
)
from airflow_provider_audio.operators.aimlapi import AimlApiGenerateAudioOperator
from airflow_provider_audio.operators.audiopod import AudioPodDeleteVoiceOperator
from airflow_provider_audio.operators.base import AUDIO_RETRY_POLICY, AudioRetryPolicy

CALL = {"service": "audiostack", "method": "POST", "route": "/audioforms", "api_message": "no"}


@pytest.mark.parametrize(
    "error",
    [
        AudioInputError("audioform", ["x: bad"]),
        AudioCostGuardError("too dear"),
        AudioLostSubmitError("lost"),
        AudioServiceAuthError(status=401, **CALL),
        AudioServiceCreditsError(status=402, **CALL),
        AudioServiceRequestError(status=422, **CALL),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_no_retry_can_cure_fail_at_once(error: Exception) -> None:
    decision = AudioRetryPolicy().evaluate(error, try_number=1, max_tries=5)
    assert decision.action is RetryAction.FAIL
    assert type(error).__name__ in (decision.reason or "")


def test_a_rate_limit_retries_after_the_wait_the_service_asked_for() -> None:
    error = AudioServiceRateLimitError(status=429, retry_after=42.0, **CALL)
    decision = AudioRetryPolicy().evaluate(error, try_number=1, max_tries=5)
    assert decision.action is RetryAction.RETRY
    assert decision.retry_delay == timedelta(seconds=42)


@pytest.mark.parametrize(
    "error",
    [AudioServiceServerError(status=503, **CALL), AudioJobFailedError("build failed"), RuntimeError("boom")],
    ids=lambda error: type(error).__name__,
)
def test_other_failures_follow_the_tasks_own_retries(error: Exception) -> None:
    assert AudioRetryPolicy().evaluate(error, try_number=1, max_tries=5).action is RetryAction.DEFAULT


def test_every_operator_takes_the_policy_by_default_and_a_users_own_wins() -> None:
    assert AimlApiGenerateAudioOperator(task_id="t", prompt="p").retry_policy is AUDIO_RETRY_POLICY
    assert AudioPodDeleteVoiceOperator(task_id="d", voice_id="v").retry_policy is AUDIO_RETRY_POLICY
    own = AudioRetryPolicy()
    assert AimlApiGenerateAudioOperator(task_id="t", prompt="p", retry_policy=own).retry_policy is own


def test_on_lost_submit_is_checked() -> None:
    with pytest.raises(
        AudioInputError, match=r"on_lost_submit: 'retry'; allowed values: \('resubmit', 'fail'\)"
    ):
        AimlApiGenerateAudioOperator(task_id="t", prompt="p", on_lost_submit="retry")  # type: ignore[arg-type]
