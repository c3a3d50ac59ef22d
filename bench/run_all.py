"""
``make bench``: every benchmark against the sandbox on 127.0.0.1, one after the other, each in a
process of its own; the results go to ``bench/RESULTS.md``.

The file starts with the machine (cores, memory, load), the versions and the date, then a table
of every target with its measured value and verdict (``met`` or ``MISSED``; a benchmark that fails
to run is reported as such, with its targets MISSED), then each benchmark's section. Every figure
is measured in this run; every comparison is made side by side within it.

``python -m bench.run_all [--out bench/RESULTS.md] [--only NAME ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench.common import OUT, REPO, Section, Target, child_env, stop_group

#: Whole run's budget (the issue: under 20 minutes on this 2-core machine).
BUDGET_SECONDS = 20 * 60


@dataclass(frozen=True)
class Benchmark:
    """A benchmark module and the most it may take."""

    name: str
    title: str
    timeout: float


BENCHMARKS = (
    Benchmark("upload", "Upload", 600),
    Benchmark("upload_http", "Upload of a delivered file", 600),
    Benchmark("dag_parsing", "DAG parsing", 600),
    Benchmark("worker_slot", "Worker-slot time", 600),
    Benchmark("triggerer_scale", "Triggerer scale", 900),
    Benchmark("backfill", "Backfill", 1200),
)


def machine() -> list[str]:
    def meminfo(field: str) -> float:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024**2
        return float("nan")

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )

    def version(distribution: str) -> str:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.node()}, {os.cpu_count()} cores ({model}), "
        f"{meminfo('MemTotal'):.1f} GiB memory, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, Apache Airflow {version('apache-airflow')} "
        f"(task SDK {version('apache-airflow-task-sdk')}), "
        f"airflow-provider-audio {version('airflow-provider-audio')}, httpx {version('httpx')}, "
        f"requests {version('requests')}, uvicorn {version('uvicorn')}",
    ]


def head_commit() -> str:
    """The checked-out commit (read-only ``git rev-parse``), or ``unknown``."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return commit or "unknown"


def load_average(fields: int = 3) -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:fields])


def upload_targets(markdown: str) -> list[Target]:
    """The direct upload's verdicts, read from its table (``bench.upload`` writes them in cells)."""
    targets = []
    header: list[str] = []
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| run |"):
            header = cells
        elif line.startswith("| upload") and header:
            for column, cell in zip(header, cells, strict=False):
                if cell.endswith("(met)") or cell.endswith("(MISSED)"):
                    goal = column[column.find("(target") + 1 : -1] if "(target" in column else column
                    goal = goal.replace("target ", "")
                    measured = cell.rsplit("(", 1)[0].strip()
                    if " < " in measured:  # "21 < 116": the share, and its limit for this part size
                        measured, limit = measured.split(" < ", 1)
                        goal = f"< {limit} MiB ({goal.lstrip('< ')})"
                        measured += " MiB"
                    name = f"{cells[0]}: {column.split(' (target')[0].replace(' MiB', '')}"
                    targets.append(Target(name, goal, measured, cell.endswith("(met)")))
    return targets


def run_benchmark(benchmark: Benchmark) -> Section:
    """Run one benchmark in its own process; a failure becomes a section that says so."""
    log = OUT / f"bench-{benchmark.name}.log"
    markdown_path = OUT / f"section-{benchmark.name}.md"
    json_path = OUT / f"section-{benchmark.name}.json"
    for stale in (markdown_path, json_path):
        stale.unlink(missing_ok=True)
    args = [sys.executable, "-m", f"bench.{benchmark.name}", "--out", str(markdown_path)]
    if benchmark.name != "upload":
        args += ["--json", str(json_path)]
    started = time.perf_counter()
    load_before = load_average(1)
    error = ""
    try:
        with log.open("w") as output:
            process = subprocess.Popen(
                args,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=child_env(),
                cwd=REPO,
                start_new_session=True,
            )
            try:
                code = process.wait(timeout=benchmark.timeout)
            except subprocess.TimeoutExpired:
                stop_group(process)
                code = None
                error = f"ran over its {benchmark.timeout:.0f} s limit and was stopped"
        if code not in (0, None):
            error = f"exited with status {code}"
    except OSError as exc:
        error = f"could not start: {exc}"
    seconds = time.perf_counter() - started
    load = f"{load_before} -> {load_average(1)}"
    if not error and benchmark.name == "upload" and markdown_path.exists():
        markdown = markdown_path.read_text()
        return Section(benchmark.title, markdown, upload_targets(markdown), seconds, load)
    if not error and json_path.exists():
        data = json.loads(json_path.read_text())
        targets = [Target(**target) for target in data["targets"]]
        return Section(data["title"], data["markdown"], targets, seconds, load)
    error = error or "wrote no result"
    tail = log.read_text()[-1500:] if log.exists() else ""
    markdown = (
        f"## {benchmark.title}\n\nThe benchmark FAILED: {error} after {seconds:.0f} s. "
        f"Last lines of its log (`bench/out/{log.name}`):\n\n```\n{tail}\n```\n"
    )
    return Section(
        benchmark.title, markdown, [Target("the benchmark ran", "yes", error, False)], seconds, load
    )


#: Benchmarks too long for ``make bench``'s budget, run by their own make target: their last
#: result (section and targets, as JSON) is put into the results as they were measured.
MEASURED_APART = {"Archive": (REPO / "bench" / "results" / "archive.json", "make bench-archive")}


def measured_apart() -> list[Section]:
    """The last result of each benchmark run apart, titled with the target that ran it."""
    sections = []
    for title, (path, target) in MEASURED_APART.items():
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        sections.append(
            Section(
                f"{title} (`{target}`, {data['seconds'] / 60:.0f} min)",
                data["markdown"],
                [Target(**target) for target in data["targets"]],
                data["seconds"],
            )
        )
    return sections


def results(
    sections: list[Section],
    header: list[str],
    total: float,
    loads: tuple[str, str],
    commits: tuple[str, str],
    complete: bool = True,
    apart: list[Section] | None = None,
) -> str:
    budget = Target(
        "`make bench` wall time on this machine",
        f"< {BUDGET_SECONDS / 60:.0f} min",
        f"{total / 60:.1f} min",
        total < BUDGET_SECONDS,
    )
    rows = ["| benchmark | target | goal | measured | verdict |", "|---|---|---|---|---|"]
    apart = apart or []
    for section in [*sections, *apart]:
        rows += [
            f"| {section.title} | {t.name} | {t.goal} | {t.measured} | **{t.verdict}** |"
            for t in section.targets
        ]
    every = [target for section in [*sections, *apart] for target in section.targets]
    if complete:  # the budget is the whole run's; a partial run (--only) is not judged on it
        rows.append(f"| all | {budget.name} | {budget.goal} | {budget.measured} | **{budget.verdict}** |")
        every.append(budget)
    missed = [target for target in every if not target.met]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench.run_all`). Every figure below was measured in this run, "
        "against the sandbox on 127.0.0.1; every comparison was made side by side within it, because "
        "absolute times on a shared machine drift."
        + (
            " Except: " + "; ".join(f"{section.title}: its own run's (see its section)" for section in apart)
            if apart
            else ""
        ),
        "",
        *header,
        "- Source: "
        + (
            f"commit {commits[0]}"
            if commits[0] == commits[1]
            else f"commit {commits[0]} at the start, {commits[1]} at the end (others committed meanwhile)"
        )
        + ", with the working tree as it was on disk when each benchmark started",
        f"- Load average (1 / 5 / 15 min) at the start: {loads[0]}; at the end: {loads[1]} (the machine is "
        "shared: other work ran beside the benchmarks)",
        f"- Wall time: {total / 60:.1f} min in all; per benchmark, with the 1-minute load average before "
        "-> after: "
        + "; ".join(f"{section.title} {section.seconds:.0f} s ({section.load})" for section in sections),
        "",
        f"## Targets: {len(every) - len(missed)} met, {len(missed)} MISSED",
        "",
        *rows,
        "",
    ]
    for section in [*sections, *apart]:
        lines += [section.markdown.rstrip(), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark and write bench/RESULTS.md")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHMARKS], default=None)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    chosen = [b for b in BENCHMARKS if args.only is None or b.name in args.only]
    started = time.perf_counter()
    load_start = load_average()
    commit_start = head_commit()
    header = machine()
    sections = []
    for benchmark in chosen:
        print(f"== {benchmark.name} ...", flush=True)
        section = run_benchmark(benchmark)
        verdicts = ", ".join(f"{t.verdict}" for t in section.targets)
        print(f"== {benchmark.name}: {section.seconds:.0f} s; {verdicts}", flush=True)
        sections.append(section)
    total = time.perf_counter() - started
    text = results(
        sections,
        header,
        total,
        (load_start, load_average()),
        (commit_start, head_commit()),
        complete=args.only is None,
        apart=measured_apart(),
    )
    args.out.write_text(text)
    print(text)
    print(f"wrote {args.out} in {total / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
