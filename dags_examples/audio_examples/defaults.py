"""What the example DAGs declare alike: their ``default_args`` (retries), ``voice`` and ``feed`` params."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param

#: Every task may be tried three times, half a minute apart. Safe for paid jobs: a retry re-attaches
#: to the job an earlier try submitted (its id is kept in the task state store); a submit whose
#: answer was lost follows the operator's ``on_lost_submit`` ("fail" by default: nothing is sent
#: again); errors no retry can cure (bad input, a refused key, no credits) fail at once whatever
#: ``retries`` says (the provider's retry policy). A job the service reports as failed is submitted
#: anew by a retry.
DEFAULT_ARGS: dict[str, Any] = {"retries": 2, "retry_delay": timedelta(seconds=30)}

#: The voices the sandbox offers (its ``GET /speech/voice``), proposed by the ``voice`` param.
VOICES: tuple[str, ...] = ("sara", "joanna", "matthew", "isaac", "aria", "wren")


def voice_param(default: str = "sara") -> Param:
    """
    The ``voice`` param: AudioStack's voice alias for the narration.

    The trigger form proposes ``VOICES`` (JSON schema ``examples``) but takes any name: a real
    account lists many more voices (hundreds in AudioStack's library, and its own cloned ones),
    which a fixed ``enum`` would refuse. A name the account does not have is still caught before
    anything is paid: the build operator checks it against the account's ``GET /speech/voice``
    and fails naming the voices there are.
    """
    return Param(
        default,
        type="string",
        minLength=1,
        description=(
            "AudioStack voice alias that reads the text. The proposals are the sandbox's voices; any "
            "voice of your account is accepted (AudioStack lists them at GET /speech/voice)."
        ),
        examples=list(VOICES),
    )


def feed_param(default: str) -> Param:
    """
    The ``feed`` param: where the articles are read from, by every worker that reads them.

    :param default: the feed when none is given (the sample articles' folder).
    """
    return Param(
        default,
        type="string",
        minLength=1,
        description="A folder of article JSON files readable by every worker, or the URL of a JSON list",
    )
