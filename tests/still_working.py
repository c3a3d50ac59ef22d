"""The "Still working" line a deferred AudioStack build logs each interval, as tests read it."""

import re

#: The deadline's clock: with its date when it falls on another day (UTC) than the line, as a run
#: after 23:00 UTC waits on a deadline past midnight.
DEADLINE_CLOCK = r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC"

STILL_WORKING = re.compile(
    r"^Still working on audioform (?P<id>\S+): building; (?P<elapsed>[\d.]+s) elapsed, "
    rf"deadline {DEADLINE_CLOCK} \(in (?P<left>\d+m\d\ds|1h00m)\)$"
)
