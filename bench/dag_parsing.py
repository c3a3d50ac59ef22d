"""
DAG parsing: what the provider adds to the parse of a DAG file that uses it.

In a fresh interpreter per measurement, after ``import airflow.sdk`` (which every DAG file pays),
the child times the import of one operator, sensor or transfer module of the provider, or the
execution of one DAG file loaded by path as the DAG processor loads it: wall time
(``perf_counter``) and its own CPU time (``process_time``, less sensitive to other work on a
shared machine). The example DAG files are measured beside an empty DAG file (one ``DAG`` with
one ``EmptyOperator``). Each is repeated, the rounds interleaved so that a busy moment of the
machine hits all of them alike; the figure is the median. Bytecode is compiled once beforehand
(into ``bench/out/pycache``) as on a deployed Airflow, so the figures are imports, not compilation.

Beside it, the same measurements in processes forked from one interpreter that has imported
``airflow.sdk`` and nothing else, which is how Airflow 3's DAG processor parses each file (it
forks a parser per file): copy-on-write of the parent's memory makes those slower.

Target: the provider adds under 100 ms to a DAG file that uses it (median wall-clock parse of each
example DAG file in fresh interpreters, minus the empty DAG file's).

``python -m bench.dag_parsing [--out FILE]``
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    REPO,
    Section,
    Target,
    child_env,
    median,
    run_child,
    section_main,
    targets_table,
)

ROUNDS = 5
LIMIT_MS = 100.0
PACKAGES = ("operators", "sensors", "transfers")

#: Times one target (``kind`` ``module`` or ``file``) in the current process; prints one JSON line.
MEASURE = """
def measure(kind, target):
    import importlib, importlib.util, json, sys, time
    cpu = time.process_time()
    started = time.perf_counter()
    if kind == "module":
        importlib.import_module(target)
        dags = 0
    else:
        spec = importlib.util.spec_from_file_location("bench_parsed_dag_file", target)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        dags = sum(1 for value in vars(module).values() if isinstance(value, airflow.sdk.DAG))
    done = time.perf_counter()
    cpu_ms = (time.process_time() - cpu) * 1000
    return {"kind": kind, "target": target, "ms": (done - started) * 1000, "cpu_ms": cpu_ms, "dags": dags}
"""

#: A fresh interpreter measuring one target after ``import airflow.sdk`` (``-c PROBE kind target``).
PROBE = (
    """
import sys, time
started = time.perf_counter()
import airflow.sdk
sdk_ms = (time.perf_counter() - started) * 1000
"""
    + MEASURE
    + """
import json
print(json.dumps({**measure(sys.argv[1], sys.argv[2]), "sdk_ms": sdk_ms}))
"""
)

#: ``import airflow.sdk`` once, then fork a child per ``kind target`` line of stdin; each child
#: measures its target and writes one JSON line; the parent waits for it before the next.
FORK_SERVER = (
    """
import sys
import airflow.sdk
"""
    + MEASURE
    + """
import os
for line in sys.stdin.read().splitlines():
    kind, target = line.split(" ", 1)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        import json
        print(json.dumps(measure(kind, target)), flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit(f"measuring {target} failed ({status})")
"""
)


EMPTY_DAG = '''"""An empty DAG file: the baseline every DAG file pays."""
from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG(dag_id="bench_empty", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
    EmptyOperator(task_id="noop")
'''


def provider_modules() -> list[str]:
    modules = []
    for package in PACKAGES:
        folder = REPO / "airflow_provider_audio" / package
        modules += [
            f"airflow_provider_audio.{package}.{path.stem}"
            for path in sorted(folder.glob("*.py"))
            if path.stem != "__init__"
        ]
    return modules


def dag_files() -> list[Path]:
    """The example files that define a DAG."""
    return [path for path in sorted((REPO / "dags_examples").glob("*.py")) if "DAG(" in path.read_text()]


def fresh_probe(kind: str, target: str) -> dict[str, Any]:
    """One measurement in a fresh interpreter."""
    output = subprocess.run(
        [sys.executable, "-c", PROBE, kind, target],
        check=True,
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO,
        timeout=120,
    ).stdout
    value: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return value


def forked_probes(requests: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Every ``(kind, target)`` measured in a child forked from one ``import airflow.sdk`` interpreter."""
    completed = subprocess.run(
        [sys.executable, "-c", FORK_SERVER],
        input="".join(f"{kind} {target}\n" for kind, target in requests),
        check=True,
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO,
        timeout=600,
    )
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def warm_bytecode(modules: list[str], files: list[Path]) -> None:
    """Import everything once so every child finds compiled bytecode, as a deployment would."""
    code = "import importlib, runpy, sys\n" + "".join(
        [f"importlib.import_module({module!r})\n" for module in modules]
        + [f"runpy.run_path({str(path)!r})\n" for path in files]
    )
    run_child([sys.executable, "-c", code], env=child_env(), timeout=300, log=OUT / "dag-parsing-warm.log")


def import_profile(
    path: Path, baseline: Path
) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    """
    What the DAG file imports beyond the empty DAG file (``-X importtime``, one fresh interpreter each).

    :return: the total self time of those modules (ms), its split by top-level package, and the
        slowest of them by self time.
    """

    def imported(target: Path) -> dict[str, float]:
        stderr = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", PROBE, "file", str(target)],
            check=True,
            capture_output=True,
            text=True,
            env=child_env(),
            cwd=REPO,
            timeout=120,
        ).stderr
        times: dict[str, float] = {}
        for line in stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            parts = [part.strip() for part in line.split(":", 1)[1].split("|")]
            if parts[0].isdigit():
                times[parts[2]] = int(parts[0]) / 1000
        return times

    base = imported(baseline)
    extra = {module: ms for module, ms in imported(path).items() if module not in base}
    packages: dict[str, float] = defaultdict(float)
    for module, ms in extra.items():
        packages[module.split(".")[0]] += ms
    by_package = sorted(packages.items(), key=lambda item: -item[1])[:6]
    slowest = sorted(extra.items(), key=lambda item: -item[1])[:5]
    return sum(extra.values()), by_package, slowest


@dataclass
class Samples:
    """Measurements of each target, in ms: wall and CPU in fresh interpreters, wall when forked."""

    wall: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    forked: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sdk: list[float] = field(default_factory=list)
    dags: dict[str, int] = field(default_factory=dict)


def run() -> Section:
    parse_dir = OUT / "dag-parsing"
    parse_dir.mkdir(parents=True, exist_ok=True)
    empty = parse_dir / "empty_dag.py"
    empty.write_text(EMPTY_DAG)
    modules = provider_modules()
    files = dag_files()
    warm_bytecode(modules, [empty, *files])
    targets: list[tuple[str, str]] = [("file", str(empty))]
    targets += [("file", str(path)) for path in files]
    targets += [("module", module) for module in modules]
    samples = Samples()
    for _ in range(ROUNDS):
        for kind, target in targets:
            value = fresh_probe(kind, target)
            samples.wall[target].append(float(value["ms"]))
            samples.cpu[target].append(float(value["cpu_ms"]))
            samples.sdk.append(float(value["sdk_ms"]))
            samples.dags[target] = int(value["dags"])
    for value in forked_probes(targets * ROUNDS):
        samples.forked[str(value["target"])].append(float(value["ms"]))
    slowest = max(files, key=lambda path: median(samples.wall[str(path)]))
    profile = import_profile(slowest, empty)
    return report(samples, str(empty), files, modules, slowest, profile)


def report(
    samples: Samples,
    empty: str,
    files: list[Path],
    modules: list[str],
    slowest: Path,
    profile: tuple[float, list[tuple[str, float]], list[tuple[str, float]]],
) -> Section:
    def added(series: dict[str, list[float]], name: str) -> float:
        return median(series[name]) - median(series[empty])

    wall_added = {str(path): added(samples.wall, str(path)) for path in files}
    worst_file = max(wall_added, key=lambda name: wall_added[name])
    worst = wall_added[worst_file]
    targets = [
        Target(
            "provider's addition to a DAG file's parse (worst example DAG file)",
            f"< {LIMIT_MS:.0f} ms",
            f"{worst:.0f} ms ({Path(worst_file).name})",
            worst < LIMIT_MS,
        )
    ]
    lines = [
        "## DAG parsing: what the provider adds to a DAG file",
        "",
        f"Fresh interpreter per measurement, after `import airflow.sdk` (which every DAG file pays: "
        f"{median(samples.sdk):.0f} ms median in this run, not counted); {ROUNDS} rounds interleaved, "
        "median; wall time, and the child's own CPU time (less sensitive to other work on this shared "
        "machine). Bytecode compiled beforehand, as on a deployment. A DAG file is loaded by path and "
        "executed as the DAG processor does; the example files also import the examples' own helpers "
        "(`audio_examples.*`, from the DAGs folder), counted as part of the file. Forked: the same in "
        "processes forked from one "
        "interpreter that imported `airflow.sdk` only, as Airflow 3's DAG processor forks a parser per "
        "file (copy-on-write of the parent's memory makes it slower).",
        "",
        "| DAG file | DAGs | parse ms | min - max ms | CPU ms | added ms | added CPU ms | forked ms "
        "| forked added ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in [empty, *(str(path) for path in files)]:
        label = "empty DAG (one `EmptyOperator`)" if name == empty else f"`dags_examples/{Path(name).name}`"
        wall = samples.wall[name]
        deltas = (
            "- | - | "
            if name == empty
            else f"{added(samples.wall, name):+.0f} | {added(samples.cpu, name):+.0f} | "
        )
        forked_delta = "-" if name == empty else f"{added(samples.forked, name):+.0f}"
        lines.append(
            f"| {label} | {samples.dags[name]} | {median(wall):.0f} | {min(wall):.0f} - {max(wall):.0f} | "
            f"{median(samples.cpu[name]):.0f} | {deltas}{median(samples.forked[name]):.0f} | {forked_delta} |"
        )
    lines += [
        "",
        "| provider module (import after `airflow.sdk`) | ms | min - max ms | CPU ms | forked ms |",
        "|---|---|---|---|---|",
    ]
    for module in modules:
        wall = samples.wall[module]
        lines.append(
            f"| `{module}` | {median(wall):.0f} | {min(wall):.0f} - {max(wall):.0f} | "
            f"{median(samples.cpu[module]):.0f} | {median(samples.forked[module]):.0f} |"
        )
    total, by_package, slowest_modules = profile
    packages = ", ".join(f"`{package}` {ms:.0f}" for package, ms in by_package)
    heaviest = ", ".join(f"`{module}` {ms:.0f}" for module, ms in slowest_modules)
    lines += [
        "",
        *targets_table(targets),
        "",
        f"Where the time goes (`-X importtime`, one fresh run each): `{slowest.name}` imports modules the "
        f"empty DAG file does not, for {total:.0f} ms of self time; by package (ms): {packages}; the "
        f"slowest (ms): {heaviest}.",
    ]
    return Section("DAG parsing", "\n".join(lines) + "\n", targets)


def main(argv: list[str] | None = None) -> int:
    return section_main(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
