"""
The measured side of the delivered-file upload benchmark: one process, one transfer, its own CPU
and peak RSS.

``python -m bench.upload_http_child URL PART_BYTES`` with ``BENCH_AIOZSTREAM_URL``, ``BENCH_AUDIOSTACK_URL``
and ``BENCH_KEY`` set. The source is what ``AudioStackToAiozStreamOperator.open_source`` returns
for an ``audio_uri`` (an ``HttpSource`` streaming the delivered file); it is then uploaded as the
operator's ``execute`` does (create, parts, complete, size check), without the task state store
and the transcoding wait. Prints one JSON line ``{wall, cpu, peak_rss_mib, rss_before_mib, parts}``.
"""

from __future__ import annotations

import json
import os
import sys
import time

from bench.own_process import cpu_seconds, status_mib


def main() -> int:
    url, part_size = sys.argv[1], int(sys.argv[2])
    for name, service in (("AIOZSTREAM", "aiozstream"), ("AUDIOSTACK", "audiostack")):
        os.environ[f"AIRFLOW_CONN_{name}_DEFAULT"] = json.dumps(
            {
                "conn_type": service,
                "host": os.environ[f"BENCH_{name}_URL"],
                "password": os.environ["BENCH_KEY"],
            }
        )
    from airflow_provider_audio.transfers.audiostack_to_aiozstream import AudioStackToAiozStreamOperator

    operator = AudioStackToAiozStreamOperator(
        task_id="bench_transfer", audio_uri=url, title="benchmark transfer", part_size=part_size
    )
    hook = operator.hook
    hook.get_conn()
    rss_before = status_mib("VmRSS")
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    source = operator.open_source({})
    media = hook.create_media(operator.create_request())
    progress = hook.upload_parts(media.id, source, operator.part_size)
    hook.complete_upload(media.id)
    hook.check_uploaded_size(media.id, source.size)
    wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu_seconds() - cpu_before,
                "peak_rss_mib": status_mib("VmHWM"),
                "rss_before_mib": rss_before,
                "parts": len(progress.parts),
                "size": source.size,
                "source": type(source).__name__,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
