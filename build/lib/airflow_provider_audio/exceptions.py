"""Exceptions raised by the provider.

Two families:

* :class:`AudioInputError` -- the user's input is wrong. Raised before any billed call, it names the
  field and the allowed values, and it is an ``AirflowFailException`` so Airflow does not retry a task
  whose input cannot become right by waiting.
* :class:`AudioServiceError` -- a service answered with an error (or could not be reached). Every one
  names the service, method, route, status, the API's own message and its request id. None ever holds
  a key: the client scrubs its secrets from any text before building one.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException, AirflowFailException


class AudioInputError(AirflowFailException, ValueError):
    """
    Input that no service call could accept; raised before anything is sent.

    :param problems: one line per problem, each starting with the field's path.
    :param subject: what was being checked (``"audioform"``, ``"media qualities"``...).
    """

    def __init__(self, subject: str, problems: list[str]) -> None:
        self.subject = subject
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid {subject} ({len(self.problems)} problem(s)):\n{lines}")


class AudioCostGuardError(AirflowFailException):
    """The cost guard refused the job: not enough balance, or a price above the user's limit."""


class AudioServiceError(AirflowException):
    """
    A call to an audio service failed.

    :param service: the service's name (``audiostack``, ``aiozstream``, ``audiopod``, ``aimlapi``).
    :param method: HTTP method of the call.
    :param route: the route that was called, without host or query string.
    :param status: HTTP status, or ``None`` when no response arrived.
    :param api_message: the service's own error message (already scrubbed of secrets).
    :param request_id: the request id the service gave, when it gave one.
    :param retry_after: seconds the service asked us to wait, when it said so.
    """

    def __init__(
        self,
        *,
        service: str,
        method: str,
        route: str,
        status: int | None,
        api_message: str,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.service = service
        self.method = method
        self.route = route
        self.status = status
        self.api_message = api_message
        self.request_id = request_id
        self.retry_after = retry_after
        status_text = f"HTTP {status}" if status is not None else "no response"
        request_text = f" (request id {request_id})" if request_id else ""
        super().__init__(f"{service} {method} {route} failed with {status_text}: {api_message}{request_text}")

    @property
    def is_transient(self) -> bool:
        """Whether trying again later could succeed (rate limits, server errors, lost connections)."""
        return False


class AudioServiceAuthError(AudioServiceError):
    """401 or 403: the key is wrong, expired, or lacks the permission."""


class AudioServiceNotFoundError(AudioServiceError):
    """404: the job, file or media does not exist (or not for this key's organisation)."""


class AudioServiceRequestError(AudioServiceError):
    """400, 409, 422 and other 4xx the service rejects as malformed; trying again will not help."""


class AudioServiceCreditsError(AudioServiceError):
    """The account has not enough credits (AudioPod 402, AIML API 403 with a credits message)."""


class AudioServiceRateLimitError(AudioServiceError):
    """429: too many requests; ``retry_after`` holds the wait the service asked for, if any."""

    @property
    def is_transient(self) -> bool:
        return True


class AudioServiceServerError(AudioServiceError):
    """5xx: the service failed; a GET may be tried again, a billed POST may already have acted."""

    @property
    def is_transient(self) -> bool:
        return True


class AudioServiceTransportError(AudioServiceError):
    """
    No usable response: the connection failed, dropped or timed out.

    :param request_sent: ``False`` only when the request provably never reached the server
        (connection refused, connect timeout), which is the one case a billed POST may be re-sent.
    """

    def __init__(self, *, request_sent: bool, **kwargs: object) -> None:
        self.request_sent = request_sent
        super().__init__(**kwargs)  # type: ignore[arg-type]

    @property
    def is_transient(self) -> bool:
        return True


class AudioJobFailedError(AirflowException):
    """A remote job (build, upload, generation, training) reached a failed state or its deadline."""
