"""
How every service answers a read of a long job (an audioform, a media, a voice, a generation...):
find it, settle it, answer.

A job is settled by the read itself (a render starts, a transcoding ends) once its time has come,
so nothing changes between reads; :func:`answer_poll` is that read, written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from audio_sandbox.core.errors import ServiceError

Job = TypeVar("Job")
Outcome = TypeVar("Outcome")
Answer = TypeVar("Answer")


async def answer_poll(
    job: Job | None,
    not_found: str,
    settle: Callable[[Job], Awaitable[Outcome | None]],
    done: Callable[[Job, Outcome], Answer],
    working: Callable[[Job], Answer] | None = None,
) -> Answer:
    """
    Answer a read of ``job``: a 404 when it is unknown, else settle it, then answer what it became.

    :param job: the job the request names, as its store found it (``None``: unknown).
    :param not_found: the 404's message (in the service's error shape, like every error).
    :param settle: starts or finishes the job's work if its time has come; returns the outcome,
        or ``None`` while the job is still working.
    :param done: the answer once ``settle`` returned an outcome.
    :param working: the answer while ``settle`` returns ``None`` (AudioStack's 202). Services whose
        jobs report their own progress leave it out; their ``settle`` returns the job itself.
    """
    if job is None:
        raise ServiceError(404, not_found)
    outcome = await settle(job)
    if outcome is None:
        if working is None:
            raise TypeError(f"settle returned no outcome and there is no working answer ({not_found!r})")
        return working(job)
    return done(job, outcome)
