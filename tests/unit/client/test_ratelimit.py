"""The rate budget on a fake clock: pacing from the declared limit, from the server's count, holds,
and one budget per key and class; the extras that configure it; the pool sizing."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from airflow_provider_audio.client.ratelimit import (
    HEADROOM,
    RateBudget,
    RateSettings,
    credential_identity,
    forget_budgets,
    pool_slots,
    rate_settings_from_extra,
    shared_budget,
)
from airflow_provider_audio.client.routes import aiozstream, audiostack
from airflow_provider_audio.client.service import Credentials, RateClass
from airflow_provider_audio.exceptions import AudioInputError

KEY = "sk-live-0123456789abcdef"


class Clock:
    """A monotonic clock moved by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FixedWindowServer:
    """The server's side as AIOZ describes it: ``limit`` per fixed window from its first request,
    the three ``X-RateLimit-*`` headers on every answer (whole seconds, rounded up)."""

    def __init__(self, clock: Clock, limit: int, window: float) -> None:
        self.clock, self.limit, self.window = clock, limit, window
        self.started = -math.inf
        self.used = 0
        self.refused = 0
        self.admitted: list[float] = []

    def answer(self) -> dict[str, str]:
        now = self.clock()
        if now >= self.started + self.window:
            self.started, self.used = now, 0
        reset_in = max(1, math.ceil(self.started + self.window - now))
        if self.used >= self.limit:
            self.refused += 1
            return {
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Retry-After": str(reset_in),
            }
        self.used += 1
        self.admitted.append(now)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - self.used),
            "X-RateLimit-Retry-After": str(reset_in),
        }


@pytest.fixture(autouse=True)
def _no_budgets_left() -> Iterator[None]:
    forget_budgets()
    yield
    forget_budgets()


def test_before_any_answer_requests_are_spaced_by_window_over_limit() -> None:
    clock = Clock()
    budget = RateBudget(100, 60.0, clock=clock)
    spacing = 60.0 / 100 * (1 + HEADROOM)
    waits = [budget.reserve() for _ in range(4)]
    assert waits == pytest.approx([0.0, spacing, 2 * spacing, 3 * spacing])
    clock.now += 10.0  # idle: no burst is saved up
    assert budget.reserve() == 0.0
    assert budget.reserve() == pytest.approx(spacing)


def run(budgets: list[RateBudget], server: FixedWindowServer, clock: Clock, requests: int) -> float:
    """Send ``requests`` in turn from the budgets (one per process), each waiting what its budget
    says and reading the answer; returns the time the last one was answered."""
    start = clock.now
    for number in range(requests):
        budget = budgets[number % len(budgets)]
        refused = server.refused + 1
        while server.refused < refused:  # a refused request is sent again, after its wait
            clock.now += budget.reserve()
            refused = server.refused
            headers = server.answer()
            budget.observe(headers, admitted=server.refused == refused)
    return clock.now - start


def test_one_process_stays_in_every_window_at_nearly_the_floor() -> None:
    clock = Clock()
    server = FixedWindowServer(clock, limit=50, window=1.0)
    elapsed = run([RateBudget(50, 1.0, clock=clock)], server, clock, 500)
    assert server.refused == 0
    floor = 500 / 50 * 1.0  # requests / limit * window
    assert floor * 0.95 <= elapsed + 1.0 / 50 <= floor * 1.1


def test_two_processes_slow_each_other_down_through_the_servers_count() -> None:
    clock = Clock()
    server = FixedWindowServer(clock, limit=50, window=1.0)
    # Alone, each would pace at 50 a window: together 100, twice the limit.
    budgets = [RateBudget(50, 1.0, clock=clock), RateBudget(50, 1.0, clock=clock)]
    elapsed = run(budgets, server, clock, 500)
    assert server.refused <= 500 * 0.01
    assert elapsed <= 500 / 50 * 1.0 * 1.25


def test_nothing_left_holds_every_request_until_the_window_resets() -> None:
    clock = Clock()
    budget = RateBudget(500, 60.0, clock=clock)
    budget.observe({"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "0", "X-RateLimit-Retry-After": "7"})
    assert budget.reserve() == pytest.approx(7.0)
    clock.now += 7.0
    budget.observe(
        {"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "499", "X-RateLimit-Retry-After": "60"}
    )
    assert budget.reserve() == pytest.approx(60.0 / 500 * (1 + HEADROOM))


def test_what_remains_is_spread_until_the_reset_less_a_spare_per_process() -> None:
    clock = Clock()
    budget = RateBudget(100, 60.0, clock=clock)
    budget.observe(
        {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "99", "X-RateLimit-Retry-After": "60"}
    )
    # Our second answer: 11 used, 2 of them ours, so about 6 processes on the key: 6 of the 89 left
    # are kept spare, the other 83 spread over the 60 s left.
    budget.observe(
        {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "89", "X-RateLimit-Retry-After": "60"}
    )
    assert budget.reserve() == 0.0
    assert budget.reserve() == pytest.approx(60 / (89 - 6))
    # Past the reset the count no longer applies.
    clock.now += 70.0
    budget.reserve()
    assert budget.reserve() == pytest.approx(60.0 / 100 * (1 + HEADROOM))


def test_alone_on_the_key_one_request_is_kept_spare() -> None:
    budget = RateBudget(10, 60.0, clock=Clock())
    for remaining in range(9, 1, -1):  # every request counted in the window was ours
        budget.observe(
            {
                "X-RateLimit-Limit": "10",
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Retry-After": "60",
            }
        )
    # Two left, one spare: one more now, the next at the reset.
    assert budget.reserve() == 0.0
    assert budget.reserve() == pytest.approx(60.0)


def test_a_process_among_many_holds_once_their_spares_are_all_that_is_left() -> None:
    budget = RateBudget(500, 60.0, clock=Clock())
    # One of ours among 400 counted: more processes than the 100 left can keep a spare for.
    budget.observe(
        {"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "100", "X-RateLimit-Retry-After": "5"}
    )
    assert budget.reserve() == pytest.approx(5.0)


def test_the_servers_limit_replaces_the_declared_one() -> None:
    budget = RateBudget(500, 60.0, clock=Clock())
    budget.observe(
        {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "50", "X-RateLimit-Retry-After": "60"}
    )
    assert budget.limit == 50
    assert budget.spacing == pytest.approx(60.0 / 50 * (1 + HEADROOM))


def test_a_server_that_does_not_count_is_not_paced_until_it_does() -> None:
    budget = RateBudget(2, 60.0, clock=Clock())
    budget.observe({"Content-Type": "application/json"})
    assert [budget.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    budget.observe({"x-ratelimit-limit": "2", "x-ratelimit-remaining": "1", "x-ratelimit-retry-after": "60"})
    budget.reserve()
    assert budget.reserve() > 0


def test_one_budget_per_base_url_key_and_class() -> None:
    settings = rate_settings_from_extra(aiozstream.SERVICE, {})
    credentials = Credentials.basic("public", KEY)
    reads = shared_budget("http://x/api/", credentials, RateClass.READ, settings)
    assert reads is shared_budget("http://x/api", Credentials.basic("public", KEY), RateClass.READ, settings)
    assert reads is not shared_budget("http://x/api", credentials, RateClass.WRITE, settings)
    assert reads is not shared_budget(
        "http://x/api", Credentials.basic("public", "other"), RateClass.READ, settings
    )
    assert reads is not shared_budget("http://y/api", credentials, RateClass.READ, settings)
    assert reads is not None and reads.limit == 500


def test_the_identity_is_a_hash_of_the_key_not_the_key() -> None:
    identity = credential_identity(Credentials.basic("public", KEY))
    assert KEY not in identity
    assert identity == credential_identity(Credentials.basic("public", KEY))
    assert identity != credential_identity(Credentials.basic("public", KEY + "x"))


def test_no_budget_when_off_or_when_the_service_publishes_no_limit() -> None:
    credentials = Credentials.in_header("x-api-key", KEY)
    off = rate_settings_from_extra(aiozstream.SERVICE, {"rate_pacing": False})
    assert shared_budget("http://x", credentials, RateClass.READ, off) is None
    none_published = rate_settings_from_extra(audiostack.SERVICE, {})
    assert shared_budget("http://x", credentials, RateClass.READ, none_published) is None


def test_extras_set_limits_and_window_and_null_means_the_default() -> None:
    settings = rate_settings_from_extra(
        aiozstream.SERVICE,
        {
            "rate_limit_upload": 10,
            "rate_limit_read": 50.0,
            "rate_limit_write": None,
            "rate_window_seconds": 6,
        },
    )
    assert settings == RateSettings(
        limits={RateClass.UPLOAD: 10, RateClass.WRITE: 200, RateClass.READ: 50}, window_seconds=6.0
    )
    assert rate_settings_from_extra(aiozstream.SERVICE, {"rate_pacing": None}).enabled


def test_bad_extras_are_refused_by_name() -> None:
    with pytest.raises(AudioInputError) as caught:
        rate_settings_from_extra(
            aiozstream.SERVICE,
            {"rate_pacing": "no", "rate_limit_read": 2.5, "rate_limit_upload": 0, "rate_window_seconds": -1},
            "aioz",
        )
    assert caught.value.problems == [
        "aioz.extra.rate_pacing: 'no'; must be true or false",
        "aioz.extra.rate_window_seconds: -1; must be a positive number",
        "aioz.extra.rate_limit_upload: 0; must be a positive whole number",
        "aioz.extra.rate_limit_read: 2.5; must be a positive whole number",
    ]


def test_routes_declare_the_class_aioz_counts_them_in() -> None:
    classes = {
        endpoint.name: endpoint.rate_class
        for endpoint in vars(aiozstream).values()
        if hasattr(endpoint, "rate_class") and hasattr(endpoint, "route")
    }
    assert classes == {
        "get_me": RateClass.READ,
        "create_media": RateClass.WRITE,
        "list_media": RateClass.READ,
        "get_media": RateClass.READ,
        "update_media": RateClass.WRITE,
        "delete_media": RateClass.WRITE,
        "media_cost": RateClass.READ,
        "upload_part": RateClass.UPLOAD,
        "complete_upload": RateClass.WRITE,
    }


def test_pool_slots_fill_the_limit_and_no_more() -> None:
    assert pool_slots(100, 3.0) == 5  # 5 tasks sending a part every 3 s make 100 a minute
    assert pool_slots(100, 0.1) == 1
    with pytest.raises(ValueError):
        pool_slots(0, 1.0)
