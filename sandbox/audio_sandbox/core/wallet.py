"""
A prepaid balance that work is charged against: AudioPod's cents and AIML API's credits.

Charging is all or nothing: a charge the balance cannot cover takes nothing, so a refused
request leaves the account as it was.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Charge:
    """
    The outcome of :meth:`Wallet.charge`.

    :param accepted: whether the amount was taken.
    :param required: the amount asked for.
    :param available: the balance before the charge.
    """

    accepted: bool
    required: int
    available: int


class Wallet:
    """
    A whole-number balance, safe to use from several threads.

    :param balance: the starting balance.
    """

    def __init__(self, balance: int) -> None:
        self._lock = threading.Lock()
        self._balance = balance

    @property
    def balance(self) -> int:
        with self._lock:
            return self._balance

    def set(self, balance: int) -> None:
        """Replace the balance (a knob changed, or the sandbox was reset)."""
        with self._lock:
            self._balance = balance

    def charge(self, amount: int) -> Charge:
        """Take ``amount`` if the balance covers it; otherwise take nothing."""
        with self._lock:
            available = self._balance
            accepted = amount <= available
            if accepted:
                self._balance -= amount
            return Charge(accepted, amount, available)

    def refund(self, amount: int) -> None:
        """Give back a charge for work that could not be done."""
        with self._lock:
            self._balance += amount
