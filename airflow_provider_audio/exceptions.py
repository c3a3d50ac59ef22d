"""Exceptions raised by the provider, all under one root.

::

    AudioError (AirflowException)              anything this provider raises
    +-- AudioInputError (AirflowFailException) the input is wrong; raised before any billed call
    +-- AudioCostGuardError (AirflowFailException)  the cost guard refused the job
    +-- AudioJobFailedError                    a remote job failed or passed its deadline
    +-- AudioLostSubmitError (AirflowFailException) a billed submit's answer was lost, the service
    |                                          cannot be asked what it did, and the operator's
    |                                          on_lost_submit is "fail"
    +-- AudioServiceError                      a service answered with an error, or did not answer
        +-- AudioServiceAuthError              401 / 403
        +-- AudioServiceNotFoundError          404
        +-- AudioServiceRequestError           400, 409, 422 and other refusals of the request
        +-- AudioServiceCreditsError           not enough credits (AudioPod 402, AIML API 403)
        +-- AudioServiceRateLimitError         429                      (transient)
        +-- AudioServiceServerError            5xx                      (transient)
        +-- AudioServiceTransportError         no usable response       (transient)

``is_transient`` is a class attribute: whether trying again later could succeed. The two
``AirflowFailException`` branches make Airflow fail the task without retrying it: input that
cannot become right by waiting, and a refusal to pay.

Every :class:`AudioServiceError` names the service, method, route, status, the API's own message
and its request id. None ever holds a key: the client scrubs its secrets from any text before
building one.
"""

from __future__ import annotations

from typing import ClassVar

from airflow.sdk.exceptions import AirflowException, AirflowFailException


class AudioError(AirflowException):
    """The root of every exception this provider raises."""

    is_transient: ClassVar[bool] = False


class AudioInputError(AudioError, AirflowFailException, ValueError):
    """
    Input that no service call could accept; raised before anything is sent.

    :param subject: what was being checked (``"audioform"``, ``"media qualities"``...).
    :param problems: one line per problem, each starting with the field's path.
    """

    def __init__(self, subject: str, problems: list[str]) -> None:
        self.subject = subject
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid {subject} ({len(self.problems)} problem(s)):\n{lines}")


class AudioCostGuardError(AudioError, AirflowFailException):
    """The cost guard refused the job: not enough balance, or a price above the user's limit."""


class AudioJobFailedError(AudioError):
    """A remote job (build, upload, generation, training) reached a failed state or its deadline."""


class AudioLostSubmitError(AudioError, AirflowFailException):
    """
    An earlier try sent a billed request whose answer never arrived, so the service may have
    started (and billed) a job this task does not know; the service offers no way to find it, and
    the operator's ``on_lost_submit`` is ``"fail"``: nothing is sent again.
    """


class AudioServiceError(AudioError):
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

    is_transient = True


class AudioServiceServerError(AudioServiceError):
    """5xx: the service failed; a GET may be tried again, a billed POST may already have acted."""

    is_transient = True


class AudioServiceTransportError(AudioServiceError):
    """
    No usable response: the connection failed, dropped or timed out.

    :param request_sent: ``False`` only when the request provably never reached the server
        (connection refused, connect timeout), which is the one case a billed POST may be re-sent.
    """

    is_transient = True

    def __init__(
        self,
        *,
        request_sent: bool,
        service: str,
        method: str,
        route: str,
        api_message: str,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.request_sent = request_sent
        super().__init__(
            service=service,
            method=method,
            route=route,
            status=status,
            api_message=api_message,
            request_id=request_id,
        )
