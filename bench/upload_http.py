"""
Delivered-file upload: the same 1 GiB WAV as ``bench.upload``, but read over HTTP the way
``AudioStackToAiozStreamOperator`` reads a delivered file (an ``HttpSource``), beside ``md5sum``.

The file is first put in the sandbox's AudioStack file library (``POST /audiostack/files``, then
a streamed PUT to the upload URL); once ``uploaded``, its public URL serves it over HTTP, as a
delivered build is served. A fresh child (``bench.upload_http_child``) opens the source through the
operator's own ``open_source`` and uploads it to the sandbox's AIOZ Stream in 50 MiB parts (the
operator's default); it reports its own CPU seconds and peak RSS. ``md5sum`` of the local file and a
plain ``curl`` of the URL run in the same run, for reference.

Targets (as for the direct upload): CPU per GiB at most 2x ``md5sum``'s; peak RSS above a process
that only imports ``airflow.sdk`` below part size + 100 MiB.

``python -m bench.upload_http [--out FILE]``
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from bench.common import (
    AIOZ_PUBLIC_KEY,
    KEY,
    MIB,
    OUT,
    Sandbox,
    Section,
    Target,
    child_env,
    last_json_line,
    run_child,
    section_main,
    targets_table,
)
from bench.upload import Measure, airflow_baseline_rss_mib, run_md5sum, write_wav

SIZE_MIB = 1024
PART_MIB = 50


def put_in_library(sandbox: Sandbox, path_size: int, path: str) -> str:
    """Upload the file to the sandbox's AudioStack file library; return its public URL."""
    headers = {"x-api-key": KEY}
    created = sandbox.session.post(
        sandbox.service_url("audiostack") + "/files",
        json={"file_name": "bench-delivered.wav"},
        headers=headers,
        timeout=30,
    )
    created.raise_for_status()
    body = created.json()
    with open(path, "rb") as handle:
        put = sandbox.session.put(
            body["uploadUrl"],
            data=handle,
            headers={"Content-Type": body["mimeType"], "Content-Length": str(path_size)},
            timeout=600,
        )
    put.raise_for_status()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = sandbox.session.get(
            f"{sandbox.service_url('audiostack')}/files/{body['fileId']}", headers=headers, timeout=60
        )
        answer.raise_for_status()
        data = answer.json()  # the file's fields at the body's top level, as the official client reads them
        if data["status"] == "uploaded" and data["url"]:
            return str(data["url"])
        time.sleep(0.5)
    raise RuntimeError("the sandbox did not finish processing the library file within 120 s")


def run_curl(url: str) -> Measure:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(["curl", "-sf", "-o", "/dev/null", url], check=True, timeout=600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Measure("curl", wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 0.0)


def run() -> Section:
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"upload-{SIZE_MIB}MiB.wav"
    write_wav(source, SIZE_MIB * MIB)
    size = source.stat().st_size
    subprocess.run(["cat", str(source)], check=True, stdout=subprocess.DEVNULL, timeout=300)
    md5 = run_md5sum(source)
    airflow_rss = airflow_baseline_rss_mib()
    with Sandbox("upload-http-sandbox", file_processing_seconds=0.2) as sandbox:
        url = put_in_library(sandbox, size, str(source))
        served_cpu_before = sandbox.cpu_seconds()
        curl = run_curl(url)
        curl_server_cpu = sandbox.cpu_seconds() - served_cpu_before
        env = child_env(
            {
                "BENCH_AIOZSTREAM_URL": sandbox.service_url("aiozstream"),
                "BENCH_AUDIOSTACK_URL": sandbox.service_url("audiostack"),
                "BENCH_KEY": KEY,
                "BENCH_AIOZ_PUBLIC_KEY": AIOZ_PUBLIC_KEY,
            }
        )
        server_before = sandbox.cpu_seconds()
        output = run_child(
            [sys.executable, "-m", "bench.upload_http_child", url, str(PART_MIB * MIB)],
            env=env,
            timeout=900,
            log=OUT / "upload-http-child.log",
        ).stdout
        server_cpu = sandbox.cpu_seconds() - server_before
    child = last_json_line(output)
    transfer = Measure(
        f"HttpSource -> AIOZ, {PART_MIB} MiB parts",
        child["wall"],
        child["cpu"],
        child["peak_rss_mib"],
        server_cpu,
    )
    return report(size, md5, curl, curl_server_cpu, transfer, airflow_rss, child)


def report(
    size: int,
    md5: Measure,
    curl: Measure,
    curl_server_cpu: float,
    transfer: Measure,
    airflow_rss: float,
    child: dict[str, object],
) -> Section:
    gib = size / 1024**3
    md5_rate = size / md5.wall / 1e6
    rate = size / transfer.wall / 1e6
    cpu_ratio = transfer.cpu / md5.cpu
    share = transfer.peak_rss_mib - airflow_rss
    targets = [
        Target("CPU per GiB vs md5sum", "<= 2x", f"{cpu_ratio:.2f}x", cpu_ratio <= 2),
        Target(
            "provider's RSS share (peak - airflow.sdk-only process)",
            f"< {PART_MIB + 100} MiB (part + 100)",
            f"{share:.0f} MiB",
            share < PART_MIB + 100,
        ),
    ]
    lines = [
        f"## Upload of a delivered file: {size / MIB:.0f} MiB over HTTP into AIOZ Stream parts",
        "",
        f"The {size / MIB:.0f} MiB WAV of the direct upload, put in the sandbox's AudioStack file library "
        "and read back from its public URL through `AudioStackToAiozStreamOperator.open_source` (an "
        f"`{child.get('source')}`: one streamed GET, never stored), uploaded in {PART_MIB} MiB parts (the "
        "operator's default; the part sizes' effect is in the direct upload above) as the operator does: "
        "create, parts, complete, size check. One sandbox serves the file and receives the parts. CPU and "
        "peak RSS are the uploading process's own, after imports; a process that only imports "
        f"`airflow.sdk` peaks at {airflow_rss:.0f} MiB in this run. `curl` shows what serving the file alone "
        "costs.",
        "",
        "| run | wall s | MB/s | vs md5sum | CPU s per GiB | CPU vs md5sum | peak RSS MiB | sandbox CPU s |",
        "|---|---|---|---|---|---|---|---|",
        f"| md5sum (local file) | {md5.wall:.2f} | {md5_rate:.0f} | 1.00x | {md5.cpu / gib:.2f} | 1.00x | "
        f"{md5.peak_rss_mib:.0f} | - |",
        f"| curl of the URL to /dev/null | {curl.wall:.2f} | {size / curl.wall / 1e6:.0f} | "
        f"{size / curl.wall / 1e6 / md5_rate:.2f}x | {curl.cpu / gib:.2f} | {curl.cpu / md5.cpu:.2f}x | - | "
        f"{curl_server_cpu:.1f} |",
        f"| {transfer.label} | {transfer.wall:.2f} | {rate:.0f} | {rate / md5_rate:.2f}x | "
        f"{transfer.cpu / gib:.2f} | {cpu_ratio:.2f}x | {transfer.peak_rss_mib:.0f} | "
        f"{transfer.server_cpu:.1f} |",
        "",
        *targets_table(targets),
        "",
        f"Where the time goes: the uploader is on CPU {transfer.cpu / transfer.wall:.0%} of the wall "
        "time (reading the HTTP stream, an MD5 per part, sending); the sandbox "
        f"{transfer.server_cpu / transfer.wall:.0%} (serving the file and receiving, parsing, hashing "
        "and writing every part, in one Python process); the rest is each waiting for the other (a part "
        "at a time) and for a core of this shared 2-core machine.",
    ]
    return Section("Upload of a delivered file", "\n".join(lines) + "\n", targets)


def main(argv: list[str] | None = None) -> int:
    return section_main(run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
