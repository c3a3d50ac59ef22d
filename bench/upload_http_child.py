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

from bench.own_process import measure_upload


def main() -> int:
    url, part_size = sys.argv[1], int(sys.argv[2])
    for name, service in (("AIOZSTREAM", "aiozstream"), ("AUDIOSTACK", "audiostack")):
        os.environ[f"AIRFLOW_CONN_{name}_DEFAULT"] = json.dumps(
            {
                "conn_type": service,
                "host": os.environ[f"BENCH_{name}_URL"],
                "password": os.environ["BENCH_KEY"],
                "extra": {"public_key": os.environ["BENCH_AIOZ_PUBLIC_KEY"]} if name == "AIOZSTREAM" else {},
            }
        )
    from airflow_provider_audio.transfers.audiostack_to_aiozstream import AudioStackToAiozStreamOperator

    operator = AudioStackToAiozStreamOperator(
        task_id="bench_transfer", audio_uri=url, title="benchmark transfer", part_size=part_size
    )
    hook = operator.hook
    hook.get_conn()
    source, measured = measure_upload(
        hook, lambda: operator.open_source({}), operator.create_request(), operator.part_size
    )
    print(json.dumps({**measured, "size": source.size, "source": type(source).__name__}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
