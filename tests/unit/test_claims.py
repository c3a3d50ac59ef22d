"""The claims' and the archive's pure parts: who wins an article, chunking, shard levels, times."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from airflow.configuration import conf

from audio_examples.claims import (
    ARTICLE_KEY,
    CLAIMANT_KEY,
    LEVEL_KEYS,
    MAX_CHUNKS,
    PAGE_SIZE,
    Library,
    Sighting,
    article_hash,
    choose_level,
    chunk_size_for,
    claim_metadata,
    claim_pairs,
    listing_reads,
    parse_time,
    plan_chunks,
    settle,
    shard_of,
    snapshot_pages,
)

T0 = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


def claim(media_id: str, claimant: str | None, at: datetime | None, status: str = "new") -> Sighting:
    return Sighting(media_id=media_id, article="a-1", status=status, created_at=at, claimant=claimant)


# -- settling one article --------------------------------------------------------------------------


def test_the_only_claim_wins() -> None:
    settled = settle("a-1", [claim("m1", "run-a", T0)], "run-a")
    assert settled.verdict == "won" and settled.mine is not None and settled.mine.media_id == "m1"


def test_an_older_claim_of_another_run_wins_and_a_younger_one_loses() -> None:
    seen = [claim("m1", "run-a", T0), claim("m2", "run-b", T0 + timedelta(milliseconds=3))]
    assert settle("a-1", seen, "run-a").verdict == "won"
    lost = settle("a-1", seen, "run-b")
    assert lost.verdict == "lost" and lost.rival is not None and lost.rival.media_id == "m1"
    assert lost.mine is not None and lost.mine.media_id == "m2"  # what run-b deletes: its own


def test_the_same_creation_time_is_a_tie_for_both() -> None:
    seen = [claim("m1", "run-a", T0), claim("m2", "run-b", T0)]
    assert settle("a-1", seen, "run-a").verdict == "tied"
    assert settle("a-1", seen, "run-b").verdict == "tied"


def test_a_published_episode_of_another_run_beats_even_an_older_claim() -> None:
    seen = [claim("m1", "run-a", T0), claim("m2", None, T0 + timedelta(seconds=5), status="done")]
    settled = settle("a-1", seen, "run-a")
    assert settled.verdict == "lost" and settled.rival is not None and settled.rival.media_id == "m2"


def test_a_claim_left_waiting_past_the_ttl_no_longer_counts() -> None:
    stale = claim("m0", "run-dead", T0 - timedelta(hours=30))
    assert settle("a-1", [stale, claim("m1", "run-a", T0)], "run-a").verdict == "won"
    fresh = claim("m0", "run-slow", T0 - timedelta(hours=2))
    assert settle("a-1", [fresh, claim("m1", "run-a", T0)], "run-a").verdict == "lost"
    assert settle("a-1", [fresh, claim("m1", "run-a", T0)], "run-a", ttl=timedelta(hours=1)).verdict == "won"


def test_this_run_s_own_uploaded_claim_is_carried_on() -> None:
    seen = [claim("m1", "run-a", T0, status="transcoding"), claim("m2", "run-b", T0 - timedelta(seconds=1))]
    settled = settle("a-1", seen, "run-a")
    assert settled.verdict == "won" and settled.mine is not None and settled.mine.published


def test_duplicate_claims_of_one_run_keep_the_oldest_and_name_the_others() -> None:
    seen = [claim("m2", "run-a", T0 + timedelta(seconds=1)), claim("m1", "run-a", T0)]
    settled = settle("a-1", seen, "run-a")
    assert settled.verdict == "won" and settled.mine is not None and settled.mine.media_id == "m1"
    assert [s.media_id for s in settled.extra] == ["m2"]


def test_a_listing_without_this_run_s_claim_or_its_time_settles_nothing() -> None:
    assert settle("a-1", [claim("m2", "run-b", T0)], "run-a").verdict == "tied"
    assert settle("a-1", [claim("m1", "run-a", None)], "run-a").verdict == "tied"


def test_media_of_other_articles_and_dead_ones_are_ignored() -> None:
    other = Sighting(media_id="m9", article="a-2", status="new", created_at=T0 - timedelta(1), claimant="b")
    failed = claim("m8", "run-b", T0 - timedelta(seconds=1), status="fail")
    assert settle("a-1", [other, failed, claim("m1", "run-a", T0)], "run-a").verdict == "won"


@pytest.mark.parametrize("clock", ["fine", "coarse"])
def test_two_runs_never_both_win_whatever_the_order_of_their_steps(clock: str) -> None:
    # Each run creates its claim, then lists: every interleaving of the four steps, with a clock
    # that stamps each create apart (fine) or both with the same second (coarse). A run sees the
    # claims created before its listing. At most one run may win; a tie makes neither win.
    steps = [("a", "create"), ("a", "list"), ("b", "create"), ("b", "list")]
    for order in itertools.permutations(steps):
        if order.index(("a", "create")) > order.index(("a", "list")):
            continue
        if order.index(("b", "create")) > order.index(("b", "list")):
            continue
        created: list[Sighting] = []
        verdicts = {}
        for tick, (run, step) in enumerate(order):
            if step == "create":
                at = T0 + timedelta(seconds=tick) if clock == "fine" else T0
                created.append(claim(f"m-{run}", run, at))
            else:
                verdicts[run] = settle("a-1", list(created), run).verdict
        assert list(verdicts.values()).count("won") <= 1, (order, verdicts)
        if clock == "fine":
            assert "won" in verdicts.values(), (order, verdicts)


# -- metadata, times ----------------------------------------------------------------------------


def test_a_claim_carries_the_article_its_shards_and_its_run() -> None:
    pairs = claim_metadata("harbour-1", "run-a", chunk="run-a-3")
    digest = article_hash("harbour-1")
    assert pairs[ARTICLE_KEY] == "harbour-1" and pairs[CLAIMANT_KEY] == "run-a"
    assert [pairs[LEVEL_KEYS[level]] for level in (1, 2, 3)] == [digest[:1], digest[:2], digest[:3]]
    assert pairs[LEVEL_KEYS[0]] == shard_of("other", 0)
    assert claim_pairs("harbour-1").items() <= pairs.items()
    assert len(pairs) + 1 <= 50  # the author is added when publishing; AIOZ takes 50 pairs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T12:00:00.123456Z", T0 + timedelta(microseconds=123456)),
        ("2026-12-01T12:00:00.123456789Z", T0 + timedelta(microseconds=123456)),
        ("2026-12-01T12:00:00Z", T0),
        ("2026-12-01T14:00:00.5+02:00", T0 + timedelta(milliseconds=500)),
        ("2026-12-01T12:00:00", T0),
    ],
)
def test_creation_times_as_aioz_may_write_them(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", [None, "", "yesterday", 12])
def test_what_is_no_time_reads_as_none(text: object) -> None:
    assert parse_time(text) is None


# -- chunks and listings ------------------------------------------------------------------------


def test_ten_thousand_articles_make_chunks_far_below_max_map_length() -> None:
    ids = [f"article-{n:05d}" for n in range(10_000)]
    size = chunk_size_for(len(ids), wanted=100)
    chunks = plan_chunks(ids, size)
    assert len(chunks) == 100 <= MAX_CHUNKS < conf.getint("core", "max_map_length") / 10
    assert sorted(itertools.chain.from_iterable(chunks)) == ids
    assert max(len(chunk) for chunk in chunks) == 100
    # a bigger archive raises the chunk size, never the chunk count
    assert len(plan_chunks([f"x{n}" for n in range(250_000)], chunk_size_for(250_000, 100))) == MAX_CHUNKS
    assert plan_chunks(ids[:25], chunk_size_for(25, 5)) == plan_chunks(ids[:25], 5)
    assert len(plan_chunks(ids[:25], chunk_size_for(25, 5))) == 5


def test_snapshot_pages_overlap_by_one() -> None:
    assert [snapshot_pages(n) for n in (0, 1, 100, 101, 199, 200, 298)] == [1, 1, 1, 2, 2, 3, 3]


def test_the_shard_level_is_chosen_for_the_fewest_reads() -> None:
    ids = [f"article-{n:05d}" for n in range(10_000)]
    chunks = plan_chunks(ids, chunk_size_for(len(ids), 100))
    level = choose_level(chunks, Library())
    assert level == 2
    counts = Counter(shard_of(article_id, level) for article_id in ids)
    reads = listing_reads(chunks, level, counts)
    # a few shard listings per chunk of a hundred: a few hundredths of a read per article
    assert reads / len(ids) < 0.05, reads
    small = plan_chunks(ids[:25], 5)
    assert choose_level(small, Library()) == 0  # 25 claims fit one page: one read per chunk
    assert listing_reads(small, 0, {shard_of("x", 0): 25}) == len(small)


def test_a_large_library_moves_the_listings_to_finer_shards() -> None:
    ids = [f"article-{n:05d}" for n in range(500)]
    chunks = plan_chunks(ids, 100)
    library = Library()
    library.shard_counts = {
        level: Counter({shard_of(f"old-{n}", level): 1 for n in range(1)}) for level in LEVEL_KEYS
    }
    assert choose_level(chunks, library) == 1  # 500 claims: 16 shards of ~31 beat 5 pages of all
    library.shard_counts[0] = Counter({shard_of("x", 0): 20_000})
    library.shard_counts[1] = Counter({format(n, "x"): 1250 for n in range(16)})
    library.shard_counts[2] = Counter({format(n, "02x"): 78 for n in range(256)})
    assert choose_level(chunks, library) == 2
    assert math.ceil(20_500 / PAGE_SIZE) > listing_reads(chunks, 2, library.shard_counts[2]) / len(chunks)
