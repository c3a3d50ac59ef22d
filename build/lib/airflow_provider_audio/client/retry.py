"""When and how long to wait before trying a call again: one policy for both HTTP paths."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from tenacity import (
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)

from airflow_provider_audio.client.endpoint import Endpoint
from airflow_provider_audio.exceptions import (
    AudioServiceError,
    AudioServiceRateLimitError,
    AudioServiceServerError,
    AudioServiceTransportError,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """
    Bounds on retrying one call.

    :param max_attempts: attempts in all, the first included (1 disables retries).
    :param max_elapsed: seconds after the first attempt past which no new attempt starts; a
        ``Retry-After`` that would cross it ends the retries instead of being cut short.
    :param initial_wait: the first backoff, doubled each attempt up to ``max_wait``.
    :param max_wait: the longest backoff between two attempts (a service's own ``Retry-After``
        is honoured even when longer, within ``max_elapsed``).
    :param jitter: up to this fraction of each wait is added at random, so many clients that
        failed together do not come back together.
    """

    max_attempts: int = 5
    max_elapsed: float = 120.0
    initial_wait: float = 0.5
    max_wait: float = 30.0
    jitter: float = 0.25

    @classmethod
    def no_retries(cls) -> RetryPolicy:
        """One attempt only (a trigger's own poll loop is its retry loop)."""
        return cls(max_attempts=1)


def may_retry(error: BaseException, endpoint: Endpoint) -> bool:
    """
    Whether ``error`` on ``endpoint`` may be retried.

    A 429 means the service refused without acting, and a refused connection means the request
    never arrived, so both are safe even for billed calls. A 5xx, a dropped connection or a read
    timeout may come after the service started the work: only calls that are safe to repeat are
    retried then.
    """
    if isinstance(error, AudioServiceRateLimitError):
        return True
    if isinstance(error, AudioServiceTransportError):
        return not error.request_sent or endpoint.safe_to_repeat
    if isinstance(error, AudioServiceServerError):
        return endpoint.safe_to_repeat
    return False


def _backoff(policy: RetryPolicy, attempt: int) -> float:
    base: float = min(policy.max_wait, policy.initial_wait * (2 ** max(0, attempt - 1)))
    return base


def wait_seconds(policy: RetryPolicy, retry_state: RetryCallState) -> float:
    """The wait before the next attempt: the service's own ``Retry-After`` if it gave one."""
    error = retry_state.outcome.exception() if retry_state.outcome else None
    asked = error.retry_after if isinstance(error, AudioServiceError) else None
    wait = asked if asked is not None else _backoff(policy, retry_state.attempt_number)
    return wait + random.uniform(0, policy.jitter * max(wait, policy.initial_wait))


def _log_retry(retry_state: RetryCallState) -> None:
    error = retry_state.outcome.exception() if retry_state.outcome else None
    log.warning(
        "Attempt %d failed (%s); retrying in %.2f s",
        retry_state.attempt_number,
        error,
        retry_state.upcoming_sleep,
    )


def tenacity_arguments(policy: RetryPolicy, endpoint: Endpoint) -> dict[str, Any]:
    """Keyword arguments for ``tenacity.Retrying`` / ``AsyncRetrying`` for one call."""
    return {
        "retry": retry_if_exception(lambda error: may_retry(error, endpoint)),
        "wait": lambda retry_state: wait_seconds(policy, retry_state),
        "stop": stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_elapsed),
        "before_sleep": _log_retry,
        "reraise": True,
    }
