"""
The measured side of the upload benchmark: one process, one upload, its own CPU and peak RSS.

``python -m bench.upload_child FILE PART_BYTES`` with ``BENCH_AIOZ_URL`` and ``BENCH_KEY`` set;
prints one JSON line ``{wall, cpu, peak_rss_mib, parts}``.
"""

from __future__ import annotations

import json
import os
import sys

from bench.own_process import measure_upload


def main() -> int:
    path, part_size = sys.argv[1], int(sys.argv[2])
    os.environ["AIRFLOW_CONN_AIOZSTREAM_BENCH"] = json.dumps(
        {
            "conn_type": "aiozstream",
            "host": os.environ["BENCH_AIOZ_URL"],
            "password": os.environ["BENCH_KEY"],
            "extra": {"public_key": os.environ["BENCH_AIOZ_PUBLIC_KEY"]},
        }
    )
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
    from airflow_provider_audio.upload import parts
    from airflow_provider_audio.upload.sources import FileSource

    parts.check_part_size(part_size)
    hook = AiozStreamHook("aiozstream_bench")
    hook.get_conn()
    source = FileSource(path)
    # Imports (Airflow, pydantic...) cost the same whatever the file; measure the upload itself.
    _, measured = measure_upload(hook, lambda: source, {"title": "benchmark upload"}, part_size)
    print(json.dumps(measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
