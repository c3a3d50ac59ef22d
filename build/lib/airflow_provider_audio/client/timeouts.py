"""Client timeouts, shared by both HTTP paths."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timeouts:
    """
    Seconds allowed for each phase of a call.

    :param connect: to open the connection. Short: a service that cannot be reached in 10 s is
        down, and a refused connection is safe to retry.
    :param read: between two reads of the response. API answers are small; 60 s covers a slow
        gateway without letting a hung connection hold a worker for long.
    """

    connect: float = 10.0
    read: float = 60.0
