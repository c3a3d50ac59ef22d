"""
Claims: how runs that overlap never pay twice for the same article.

"Already published?" is a look before paying, not a lock: two runs that start together (two
``article_to_stream`` runs, a backfill beside a scheduled run, an archive run beside either, two
deployments sharing one AIOZ Stream account) both find an article unpublished and both build it.
So before anything is paid for, a run **claims** each article: it creates the article's AIOZ Stream
media first (creating a media is free; the build and the transcoding are what cost), carrying the
article id and the pairs below, then lists the article's media and settles on the client who owns
it:

- a media of another run already transcoding or done: the article is published; the claim is lost;
- else the oldest claim still waiting (``new``, younger than the claim TTL) wins, by its creation
  time as AIOZ records it; the claimer builds the audio and uploads it into the claimed media;
- a claim that lost is deleted by its own run (only media carrying that run's ``audio_claimant``
  pair, as AIOZ's answer shows them), and the article skipped;
- two claims with the same creation time (a service that stamps seconds) are settled by neither:
  both runs delete their own and claim again after a random pause, up to ``CLAIM_ROUNDS`` times.

A claim is safe because each run lists *after* creating its own: of two claims, the later one's
run necessarily sees the older, so at most one run sees itself oldest. The listings are kept per
chunk of articles, not per article: every claim carries its article id's hash prefixes
(``audio_claim_1``..``audio_claim_3``: 16, 256, 4096 shards; ``audio_claim`` for all), and a chunk
lists the shards its articles fall in, at the level that costs the fewest reads for the library's
size (:func:`choose_level`). Any run's claim on an article of the chunk carries the same shard
pair, whichever DAG made it. Every answer is checked on the client: a media counts for an article
only when its own metadata carries that article id (and, in a shard listing, that shard), whatever
the filter matched.

A claim left ``new`` longer than the claim TTL (a run that died after claiming) no longer counts:
another run takes the article over.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook, Media

#: The metadata key of the article id every published episode carries.
ARTICLE_KEY = "article_id"
#: Present on every claim: listing by it finds every claim of every run (shard level 0).
CLAIM_KEY = "audio_claim"
CLAIM_VERSION = "1"
#: The shard pair of each level: the first ``level`` hex digits of the article id's SHA-256.
LEVEL_KEYS: Mapping[int, str] = {0: CLAIM_KEY, 1: "audio_claim_1", 2: "audio_claim_2", 3: "audio_claim_3"}
#: The run (or deployment's run) that made a claim: a random mark kept in its task state store.
CLAIMANT_KEY = "audio_claimant"
#: The archive chunk a claim was made in (``<claimant>-<chunk index>``): the filter of its waits.
CHUNK_KEY = "audio_chunk"

#: Statuses of a media that stands for its article: a claim waiting (``new``) or audio published.
LIVE_STATUSES = ("new", "transcoding", "done")
PUBLISHED_STATUSES = ("transcoding", "done")
#: A claim still ``new`` after this long was left by a run that died; it no longer counts.
DEFAULT_CLAIM_TTL = timedelta(hours=24)
#: Rounds of claiming again after a tie on the creation time.
CLAIM_ROUNDS = 3
#: AIOZ's largest page.
PAGE_SIZE = 100
#: Attempts at a listing whose pages shifted under it (media deleted while it was read).
SNAPSHOT_ATTEMPTS = 5
#: The task state store key of a run's claimant mark.
CLAIMANT_STATE_KEY = "audio_claimant"
#: The task state store key a claiming task sets before its first create: a retry lists first.
CLAIM_BEGUN_KEY = "audio_claim_begun"


def article_hash(article_id: str) -> str:
    """The SHA-256 hex digest of an article id: where the article falls among the shards."""
    return hashlib.sha256(article_id.encode()).hexdigest()


def shard_of(article_id: str, level: int) -> str:
    """The article's shard value at ``level`` (0: the one shard of every claim)."""
    return CLAIM_VERSION if level == 0 else article_hash(article_id)[:level]


def claim_pairs(article_id: str) -> dict[str, str]:
    """The pairs any media standing for the article carries: its id and its shard at every level."""
    return {
        ARTICLE_KEY: article_id,
        **{key: shard_of(article_id, level) for level, key in LEVEL_KEYS.items()},
    }


def claim_metadata(article_id: str, claimant: str, chunk: str | None = None) -> dict[str, str]:
    """A claim's metadata: :func:`claim_pairs`, the claiming run, and the archive chunk if any."""
    pairs = {**claim_pairs(article_id), CLAIMANT_KEY: claimant}
    if chunk is not None:
        pairs[CHUNK_KEY] = chunk
    return pairs


def claimant_of(context: Any) -> str:
    """
    This run's claimant mark: random (two deployments may share DAG and run ids), made once and
    kept in the calling task's state store, so that a retry or a clear of the task finds the
    claims it made as its own.
    """
    store = context.get("task_state_store")
    stored = store.get(CLAIMANT_STATE_KEY) if store is not None else None
    if isinstance(stored, str) and stored:
        return stored
    mark = uuid.uuid4().hex[:16]
    if store is not None:
        store.set(CLAIMANT_STATE_KEY, mark)
    return mark


def claiming_begun(context: Any) -> bool:
    """
    Whether an earlier try of the calling task began claiming (its claims, if any, are this run's:
    it lists before creating); marks in the task state store that this try begins.
    """
    store = context.get("task_state_store")
    begun = bool(store is not None and store.get(CLAIM_BEGUN_KEY))
    if store is not None and not begun:
        store.set(CLAIM_BEGUN_KEY, True)
    return begun


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time as AIOZ writes it (``...T12:00:00.123456Z``, any fraction); ``None`` if not one."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}" if digits else head + rest
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Sighting:
    """
    A media seen standing for an article, as AIOZ answered it.

    :param media_id: the media.
    :param article: the article id of its own metadata.
    :param status: its status.
    :param created_at: when AIOZ created it (``None`` if the answer had no readable time).
    :param claimant: the run that claimed it (``None``: not made by a claim).
    :param chunk: the archive chunk it was claimed in, if any.
    :param public: whether it plays without a key (published, not only uploaded).
    :param metadata: all its pairs.
    """

    media_id: str
    article: str
    status: str
    created_at: datetime | None
    claimant: str | None
    chunk: str | None = None
    public: bool = False
    metadata: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, media: Media) -> Sighting | None:
        """The media as a sighting of its article; ``None`` when its metadata names none."""
        pairs = media.metadata()
        article = pairs.get(ARTICLE_KEY)
        if not article:
            return None
        return cls(
            media_id=media.id,
            article=article,
            status=media.status.value,
            created_at=parse_time(media.data.get("created_at")),
            claimant=pairs.get(CLAIMANT_KEY),
            chunk=pairs.get(CHUNK_KEY),
            public=media.data.get("is_public") is True,
            metadata=pairs,
        )

    @property
    def published(self) -> bool:
        """Audio was uploaded into it (transcoding or done)."""
        return self.status in PUBLISHED_STATUSES

    def stale(self, reference: datetime, ttl: timedelta) -> bool:
        """A claim still ``new`` more than ``ttl`` before ``reference``: left by a run that died."""
        return self.status == "new" and self.created_at is not None and reference - self.created_at > ttl


VERDICTS = ("won", "lost", "tied")


@dataclass(frozen=True)
class Settled:
    """
    Who owns an article, as one run's listing shows it.

    :param verdict: ``won`` (build it), ``lost`` (skip it) or ``tied`` (claim again).
    :param mine: this run's claim that stands (``None`` when it holds none).
    :param rival: the media that beat or tied it.
    :param extra: this run's other claims on the article (a create whose answer was lost), to delete.
    :param reason: why, in words.
    """

    verdict: str
    mine: Sighting | None
    rival: Sighting | None = None
    extra: tuple[Sighting, ...] = ()
    reason: str = ""


def _order(sighting: Sighting) -> tuple[datetime, str]:
    return (sighting.created_at or datetime.max.replace(tzinfo=UTC), sighting.media_id)


def settle(
    article: str, sightings: Iterable[Sighting], claimant: str, ttl: timedelta = DEFAULT_CLAIM_TTL
) -> Settled:
    """
    Settle one article from a listing made after this run's claim was created.

    :param article: the article id.
    :param sightings: the media the listing showed for it (others are ignored).
    :param claimant: this run's mark.
    :param ttl: how long a claim still ``new`` counts.
    """
    seen = [s for s in sightings if s.article == article and s.status in LIVE_STATUSES]
    mine = sorted((s for s in seen if s.claimant == claimant), key=_order)
    others = [s for s in seen if s.claimant != claimant]
    if not mine:
        # The listing was made after the claim: AIOZ not showing it is no answer to rely on.
        return Settled("tied", None, reason="this run's claim is not in the listing yet")
    kept, extra = mine[0], tuple(mine[1:])
    if kept.published:
        return Settled("won", kept, extra=extra, reason=f"this run already uploaded into {kept.media_id}")
    published = sorted((s for s in others if s.published), key=_order)
    if published:
        rival = published[0]
        return Settled(
            "lost", kept, rival, extra, f"already published as media {rival.media_id} ({rival.status})"
        )
    if kept.created_at is None:
        return Settled("tied", kept, None, extra, "AIOZ gave no creation time for this run's claim")
    waiting = sorted((s for s in others if not s.stale(kept.created_at, ttl)), key=_order)
    if not waiting:
        return Settled("won", kept, extra=extra, reason="the only claim")
    rival = waiting[0]
    if rival.created_at is None or rival.created_at == kept.created_at:
        return Settled("tied", kept, rival, extra, f"claimed at the same moment as media {rival.media_id}")
    if rival.created_at < kept.created_at:
        who = f"run {rival.claimant}" if rival.claimant else "an upload without a claim"
        return Settled("lost", kept, rival, extra, f"claimed first by {who} (media {rival.media_id})")
    return Settled("won", kept, extra=extra, reason="the oldest claim")


def snapshot(
    hook: AiozStreamHook, filters: Mapping[str, Any], attempts: int = SNAPSHOT_ATTEMPTS
) -> list[Media]:
    """
    Every media of a listing (sorted by creation time), page after page, each page starting on the
    last item of the one before: when that item is not where it was (a media before it was
    deleted or added while the pages were read, which shifts offsets and could hide one), the
    listing is read again. One page (up to 100 media) is one read.

    :param filters: the ``POST /media`` filters (offset, limit and sorting are set here).
    """
    ordered = {**filters, "sort_by": "created_at", "order_by": "asc"}
    for _ in range(attempts):
        items: list[Media] = []
        offset, last = 0, None
        while True:
            page = hook.list_media({**ordered, "offset": offset, "limit": PAGE_SIZE})
            if offset and (not page.media or page.media[0].id != last):
                break
            items.extend(page.media[1:] if offset else page.media)
            if len(page.media) < PAGE_SIZE or offset + len(page.media) >= page.total:
                return items
            last = page.media[-1].id
            offset += len(page.media) - 1
    raise RuntimeError(f"the AIOZ Stream listing {dict(filters)} kept changing while it was read")


def snapshot_pages(count: int) -> int:
    """Reads :func:`snapshot` makes for ``count`` media (pages overlap by one)."""
    return 1 if count <= PAGE_SIZE else 1 + math.ceil((count - PAGE_SIZE) / (PAGE_SIZE - 1))


# -- the library before a run: "already published?" ---------------------------------------------


@dataclass
class Library:
    """
    What AIOZ Stream holds for articles, from one paged listing of every live audio media.

    :param published: article id -> a media of it transcoding or done (this run's own only once
        public: one it uploaded but did not publish is carried on).
    :param in_flight: article id -> a claim of another run still waiting (not stale).
    :param shard_counts: level -> shard value -> claims and episodes carrying that shard.
    :param listed: media listed.
    :param reads: list requests made (pages of 100).
    """

    published: dict[str, str] = field(default_factory=dict)
    in_flight: dict[str, str] = field(default_factory=dict)
    shard_counts: dict[int, Counter[str]] = field(
        default_factory=lambda: {level: Counter() for level in LEVEL_KEYS}
    )
    listed: int = 0
    reads: int = 0


def survey(
    hook: AiozStreamHook,
    claimant: str,
    ttl: timedelta = DEFAULT_CLAIM_TTL,
    now: datetime | None = None,
) -> Library:
    """
    "Already published?" for every article at once: one paged listing (100 media a page) of the
    account's live audio media, each checked on the client (its status, its own ``article_id``
    pair). A claim of this run (``claimant``) is not in flight elsewhere, and its media uploaded
    but not made public is not published yet: a retried or cleared run carries them on.
    """
    now = now or datetime.now(UTC)
    library = Library()
    filters = {"type": "audio", "status": list(LIVE_STATUSES), "sort_by": "created_at", "order_by": "asc"}
    offset = 0
    while True:
        page = hook.list_media({**filters, "offset": offset, "limit": PAGE_SIZE})
        library.reads += 1
        for media in page.media:
            library.listed += 1
            sighting = Sighting.of(media)
            if sighting is None or sighting.status not in LIVE_STATUSES:
                continue
            for level, key in LEVEL_KEYS.items():
                if key in sighting.metadata:
                    library.shard_counts[level][sighting.metadata[key]] += 1
            own = sighting.claimant == claimant
            if sighting.published and not (own and not sighting.public):
                library.published.setdefault(sighting.article, sighting.media_id)
            elif not own and not sighting.published and not sighting.stale(now, ttl):
                library.in_flight.setdefault(sighting.article, sighting.media_id)
        offset += len(page.media)
        if not page.media or offset >= page.total:
            return library


# -- chunks ---------------------------------------------------------------------------------------

#: An archive run maps over at most this many chunks, whatever its size: far below Airflow's
#: ``[core] max_map_length`` (1024 by default).
MAX_CHUNKS = 100


def chunk_size_for(count: int, wanted: int, max_chunks: int = MAX_CHUNKS) -> int:
    """The chunk size: ``wanted``, raised as needed so ``count`` articles make at most ``max_chunks``."""
    return max(1, wanted, math.ceil(count / max_chunks))


def plan_chunks(article_ids: Sequence[str], chunk_size: int) -> list[list[str]]:
    """The articles in chunks of ``chunk_size``, in the order of their hashes: a chunk spans few shards."""
    ordered = sorted(article_ids, key=article_hash)
    return [ordered[start : start + chunk_size] for start in range(0, len(ordered), chunk_size)]


def shards(article_ids: Iterable[str], level: int) -> list[str]:
    """The shard values ``article_ids`` fall in at ``level``, sorted."""
    return sorted({shard_of(article_id, level) for article_id in article_ids})


def listing_reads(chunks: Sequence[Sequence[str]], level: int, counts: Mapping[str, int]) -> int:
    """Reads the chunks' claim listings make at ``level``, given the media per shard."""
    return sum(snapshot_pages(counts.get(value, 0)) for chunk in chunks for value in shards(chunk, level))


def choose_level(chunks: Sequence[Sequence[str]], library: Library) -> int:
    """
    The shard level whose listings cost the fewest reads: each chunk lists every shard its
    articles fall in, and a shard's listing pages through every claim and episode in it (those the
    library holds, plus this run's claims to come).
    """
    todo = [article_id for chunk in chunks for article_id in chunk]

    def reads(level: int) -> int:
        counts = Counter(library.shard_counts.get(level, Counter()))
        counts.update(shard_of(article_id, level) for article_id in todo)
        return listing_reads(chunks, level, counts)

    return min(LEVEL_KEYS, key=lambda level: (reads(level), level))


# -- claiming -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """
    One article's claim, settled.

    :param article: the article id.
    :param verdict: ``won``, ``lost`` or ``contested`` (tied in every round).
    :param media_id: the claimed media (``won``), or the rival's (``lost``).
    :param reason: why, in words.
    :param published: the claimed media already holds this run's audio (a retry after uploading).
    """

    article: str
    verdict: str
    media_id: str | None
    reason: str
    published: bool = False


def claim_articles(
    hook: AiozStreamHook,
    articles: Sequence[Mapping[str, Any]],
    *,
    claimant: str,
    list_claims: Callable[[], list[Media]],
    chunk: str | None = None,
    look_first: bool = False,
    ttl: timedelta = DEFAULT_CLAIM_TTL,
    rounds: int = CLAIM_ROUNDS,
    log: Callable[[str], None] = print,
) -> dict[str, Claimed]:
    """
    Claim ``articles`` (dicts with ``id``, ``title``, ``body``, ``tags``) for this run.

    :param list_claims: one listing (or a few) after which every media standing for any of the
        articles has been shown; answers are checked here.
    :param chunk: the archive chunk's tag, carried by the claims (the filter of their waits).
    :param look_first: list before creating (a retry: claims of an earlier try are this run's).
    :return: article id -> :class:`Claimed`.
    """
    by_id = {str(article["id"]): article for article in articles}
    outcome: dict[str, Claimed] = {}
    pending = list(by_id)
    seen = _sightings(list_claims(), by_id) if look_first else {}
    for round_number in range(1, rounds + 1):
        for article_id in pending:
            if not any(
                s.claimant == claimant and s.status in LIVE_STATUSES for s in seen.get(article_id, ())
            ):
                hook.create_media(_claim_body(by_id[article_id], claimant, chunk))
        seen = _sightings(list_claims(), by_id)
        tied = []
        for article_id in pending:
            settled = settle(article_id, seen.get(article_id, ()), claimant, ttl)
            for duplicate in settled.extra:
                _release(hook, duplicate, claimant)
            mine = settled.mine
            if settled.verdict == "won":
                assert mine is not None
                outcome[article_id] = Claimed(
                    article_id, "won", mine.media_id, settled.reason, mine.published
                )
                continue
            if mine is not None:
                _release(hook, mine, claimant)
            if settled.verdict == "lost":
                rival = settled.rival.media_id if settled.rival else None
                outcome[article_id] = Claimed(article_id, "lost", rival, settled.reason)
                log(f"skipping {article_id}: {settled.reason}")
            else:
                tied.append(article_id)
                log(f"claiming {article_id} again (round {round_number}): {settled.reason}")
        pending = tied
        if not pending:
            break
        seen = {}
        time.sleep(random.uniform(0.5, 2.0))
    for article_id in pending:
        outcome[article_id] = Claimed(
            article_id, "contested", None, f"claims tied in {rounds} rounds; a later run will publish it"
        )
    return outcome


def _sightings(media: Iterable[Media], articles: Mapping[str, Any]) -> dict[str, list[Sighting]]:
    found: dict[str, list[Sighting]] = defaultdict(list)
    for item in media:
        sighting = Sighting.of(item)
        if sighting is not None and sighting.article in articles:
            found[sighting.article].append(sighting)
    return found


def _claim_body(article: Mapping[str, Any], claimant: str, chunk: str | None) -> dict[str, Any]:
    metadata = claim_metadata(str(article["id"]), claimant, chunk)
    return {
        "type": "audio",
        "title": str(article["title"]),
        "is_public": False,
        "metadata": [{"key": key, "value": value} for key, value in metadata.items()],
    }


def _release(hook: AiozStreamHook, sighting: Sighting, claimant: str) -> None:
    """Delete a claim of this run (its ``audio_claimant`` pair, as AIOZ answered it), not uploaded into."""
    from airflow_provider_audio.exceptions import AudioServiceNotFoundError

    if sighting.claimant != claimant or sighting.status != "new":
        return
    with contextlib.suppress(AudioServiceNotFoundError):
        hook.delete_media(sighting.media_id)


def release_claims(hook: AiozStreamHook, media_ids: Iterable[str], claimant: str) -> list[str]:
    """
    Delete this run's claims ``media_ids`` whose audio was not published (their articles failed),
    so that a later run may claim them; each is read first and deleted only when AIOZ's answer
    shows this run's ``audio_claimant`` pair. Returns the ones deleted.
    """
    from airflow_provider_audio.exceptions import AudioServiceNotFoundError

    deleted = []
    for media_id in media_ids:
        try:
            media = hook.get_media(media_id)
        except AudioServiceNotFoundError:
            continue
        if media.metadata().get(CLAIMANT_KEY) != claimant or media.status.value == "deleted":
            continue
        try:
            hook.delete_media(media_id)
        except AudioServiceNotFoundError:
            continue
        deleted.append(media_id)
    return deleted


def shard_listing(hook: AiozStreamHook, level: int, values: Sequence[str]) -> Callable[[], list[Media]]:
    """The claim listing of a chunk: every live media of each shard, checked to carry that shard."""
    key = LEVEL_KEYS[level]

    def listing() -> list[Media]:
        found: list[Media] = []
        for value in values:
            filters = {
                "type": "audio",
                "status": list(LIVE_STATUSES),
                "metadata": [{"key": key, "value": value}],
            }
            found.extend(media for media in snapshot(hook, filters) if media.metadata().get(key) == value)
        return found

    return listing


def article_listing(hook: AiozStreamHook, article_id: str) -> Callable[[], list[Media]]:
    """The claim listing of one article: its live media, checked to carry its id."""

    def listing() -> list[Media]:
        filters = {
            "type": "audio",
            "status": list(LIVE_STATUSES),
            "metadata": [{"key": ARTICLE_KEY, "value": article_id}],
        }
        return [media for media in snapshot(hook, filters) if media.metadata().get(ARTICLE_KEY) == article_id]

    return listing
