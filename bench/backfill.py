"""
Backfill: an archive of sample articles narrated with mapped tasks (one audioform per article)
and with the batch operator (one AudioStack batch per thousand), in one run, against one sandbox.

500 short articles are generated into a temporary feed. The mapped way is the article pipeline
(``dags_examples.article_to_stream``: per article, build, stream into AIOZ, publish) and the batch
way ``dags_examples.batch_archive``; each runs with ``dag.test()`` in a process of its own, with a
fresh metadata database and the sandbox's counters reset. Under ``dag.test()`` the mapped task
instances run one after another (about 2 s per article on this machine, mostly task start-up),
so the mapped way runs on the first ``MAPPED_ARTICLES`` articles of the feed, and the batch way
both on those and on all 500: the comparison is made at equal size, per article.

Targets: the batch way needs under a tenth of the mapped way's AudioStack submit calls per
article; no article is built twice (audioforms created == articles) in any run.

``python -m bench.backfill [--out FILE]``
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    Sandbox,
    Section,
    Target,
    airflow_env,
    airflow_template,
    child_env,
    migrated_airflow_home,
    requests_of,
    run_child,
    section_main,
    targets_table,
)

ARTICLES = 500
MAPPED_ARTICLES = 50
BUILD_SECONDS = 0.3
POLL_SECONDS = 0.3
SUBMIT_ROUTES = ("POST /audiostack/audioforms", "POST /audiostack/audioforms/batches")
NARRATION_TASKS = ("publish.build_audio", "narrate_archive")
WORDS = [
    "council",
    "harbour",
    "library",
    "ferry",
    "market",
    "weather",
    "school",
    "river",
    "bridge",
    "festival",
    "evening",
    "morning",
    "visitors",
    "residents",
    "station",
    "museum",
    "garden",
    "season",
    "volunteers",
    "timetable",
]


@dataclass(frozen=True)
class Way:
    """One DAG run over a feed, as measured."""

    label: str
    articles: int
    state: str
    wall: float
    narration_seconds: float
    submit_calls: int
    audiostack_calls: int
    all_calls: int
    created: int
    built: int

    def per_article(self, value: float) -> float:
        return value / self.articles


def write_feed(folder: Path, count: int) -> Path:
    """``count`` short articles, one JSON file each, dated over the last days of 2026-11."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for number in range(count):
        words = [WORDS[(number * 7 + step * 3) % len(WORDS)] for step in range(14)]
        article = {
            "id": f"bench-article-{number:04d}",
            "title": f"Bench story {number}",
            "body": f"The {' '.join(words[:7])} news. Today {' '.join(words[7:])} met again.",
            "published": f"2026-11-{1 + number % 28:02d}",
            "author": "Bench",
            "tags": ["bench"],
        }
        (folder / f"{number:04d}.json").write_text(json.dumps(article))
    return folder


def run_way(sandbox: Sandbox, label: str, module: str, feed: Path, articles: int) -> Way:
    sandbox.reset()
    slug = label.replace(" ", "-").replace(",", "")
    home = migrated_airflow_home(OUT / f"backfill-{slug}")
    report_path = OUT / f"backfill-{slug}.json"
    env = child_env(
        {
            **airflow_env(home, sandbox),
            "AUDIO_POLL_SECONDS": str(POLL_SECONDS),
            "AUDIO_STORAGE_URL": f"file://{home / 'storage'}",
            "AUDIO_OUTPUT_DIR": f"file://{home / 'audio'}",
        }
    )
    conf = json.dumps({"feed": str(feed)})
    run_child(
        [sys.executable, "-m", "bench.dagtest_child", module, "--conf", conf, "--report", str(report_path)],
        env=env,
        timeout=900,
        log=OUT / f"backfill-{slug}.log",
        stdout=OUT / f"backfill-{slug}.out",
    )
    report: dict[str, Any] = json.loads(report_path.read_text())
    stats = sandbox.stats()
    audiostack = requests_of(stats, "/audiostack")
    narration = sum(
        end - start
        for key, spans in report["spans"].items()
        if key.split("[")[0] in NARRATION_TASKS
        for start, end in spans["task"] + spans["trigger"]
    )
    return Way(
        label=label,
        articles=articles,
        state=str(report["state"]),
        wall=float(report["wall"]),
        narration_seconds=narration,
        submit_calls=sum(audiostack.get(route, 0) for route in SUBMIT_ROUTES),
        audiostack_calls=sum(audiostack.values()),
        all_calls=sum(stats["requests"].values()),
        created=int(stats["audioforms"]["created"]),
        built=int(stats["audioforms"]["built"]),
    )


def run() -> Section:
    feed = write_feed(OUT / "backfill-feed", ARTICLES)
    small = OUT / "backfill-feed-small"
    if small.exists():
        shutil.rmtree(small)
    small.mkdir()
    for path in sorted(feed.glob("*.json"))[:MAPPED_ARTICLES]:
        shutil.copy2(path, small / path.name)
    airflow_template()
    with Sandbox("backfill-sandbox", build_seconds=BUILD_SECONDS, transcode_seconds=BUILD_SECONDS) as sandbox:
        ways = [
            run_way(
                sandbox,
                f"mapped, {MAPPED_ARTICLES}",
                "dags_examples.article_to_stream",
                small,
                MAPPED_ARTICLES,
            ),
            run_way(
                sandbox, f"batch, {MAPPED_ARTICLES}", "dags_examples.batch_archive", small, MAPPED_ARTICLES
            ),
            run_way(sandbox, f"batch, {ARTICLES}", "dags_examples.batch_archive", feed, ARTICLES),
        ]
    return report(ways)


def report(ways: list[Way]) -> Section:
    mapped, batch_same = ways[0], ways[1]
    mapped_rate = mapped.per_article(mapped.submit_calls)
    batch_rate = batch_same.per_article(batch_same.submit_calls)
    all_ok = all(way.state == "success" for way in ways)
    once = all(way.created == way.articles for way in ways)
    targets = [
        Target(
            f"submit calls per article, batch vs mapped ({MAPPED_ARTICLES} articles each)",
            "< 1/10 of mapped",
            f"{batch_rate:.3f} vs {mapped_rate:.3f} ({batch_rate / mapped_rate:.3f}x)",
            all_ok and mapped_rate > 0 and batch_rate < mapped_rate / 10,
        ),
        Target(
            "no article built twice (audioforms created == articles, every run)",
            "equal",
            ", ".join(f"{way.created}/{way.articles}" for way in ways),
            once,
        ),
    ]
    lines = [
        "## Backfill: an archive narrated with mapped tasks vs the batch operator",
        "",
        f"{ARTICLES} generated articles (two short sentences each). Sandbox builds take {BUILD_SECONDS} s, "
        f"polls every {POLL_SECONDS} s (`AUDIO_POLL_SECONDS`). Each run is one `dag.test()` in its own "
        "process with a fresh metadata database; the sandbox's counters are reset before each. **mapped** "
        "is `article_to_stream` with the `feed` param (per article: build, stream into AIOZ, publish; the "
        "narration part is its mapped `build_audio` task); **batch** is `batch_archive` (narration only). "
        f"Under `dag.test()` mapped task instances run one at a time, so the mapped way ran on the first "
        f"{MAPPED_ARTICLES} articles only (at this run's {mapped.per_article(mapped.wall):.2f} s per "
        f"article, {ARTICLES} would need about {mapped.per_article(mapped.wall) * ARTICLES / 60:.0f} min, "
        "beyond the whole run's 20-minute budget: not run, and no figure below is extrapolated); the batch "
        f"way ran on the same {MAPPED_ARTICLES} and on all {ARTICLES}. Narration s is the wall time of the "
        "narration tasks (task executions and trigger waits), summed.",
        "",
        "| way, articles | state | wall s | wall s per article | narration s per article "
        "| submit calls | submit calls per article | AudioStack calls per article | all calls per article "
        "| audioforms created / built |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for way in ways:
        lines.append(
            f"| {way.label} | {way.state} | {way.wall:.0f} | {way.per_article(way.wall):.2f} | "
            f"{way.per_article(way.narration_seconds):.3f} | {way.submit_calls} | "
            f"{way.per_article(way.submit_calls):.3f} | {way.per_article(way.audiostack_calls):.2f} | "
            f"{way.per_article(way.all_calls):.2f} | {way.created} / {way.built} |"
        )
    lines += [
        "",
        *targets_table(targets),
        "",
        "Where the time goes: the mapped way pays a task execution per article and step (build, stream, "
        "publish) and, under `dag.test()`, runs them one at a time: its wall time is task start-up, not "
        "AudioStack; the batch way submits one batch per thousand articles and polls one batch status, so "
        "its calls and narration time hardly grow with the archive.",
    ]
    return Section("Backfill", "\n".join(lines) + "\n", targets)


def main(argv: list[str] | None = None) -> int:
    return section_main(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
