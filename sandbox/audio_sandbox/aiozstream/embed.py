"""
AIOZ Stream's embeddable players (mounted at ``/aiozstream/embed``; real host
``https://embed.aiozstream.network``): ``/vod/hls/{id}`` and ``/vod/dash/{id}``.

Each is a small HTML page with a plain ``<audio>`` element and a few lines of script, no player
library: the script reads the media's HLS playlist or DASH manifest and plays its MP3 segments
one after another. The page also links the playlist, so it is useful without script too.
"""

from __future__ import annotations

import html
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from audio_sandbox.aiozstream.media import media_urls
from audio_sandbox.core.state import state_of

router = APIRouter()

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:sans-serif;margin:1rem}}audio{{width:100%}}</style>
</head>
<body>
<h1>{title}</h1>
<audio id="player" controls preload="none"></audio>
<p id="status">Loading the {kind_upper} {listing}...</p>
<p><a href="{listing_url}">{kind_upper} {listing}</a></p>
<script>
const listingUrl = {listing_json};
const kind = {kind_json};
const audio = document.getElementById("player");
const status = document.getElementById("status");
let segments = [];
let current = 0;

function segmentsOf(text) {{
  if (kind === "hls") {{
    return text.split("\\n").map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => new URL(line, listingUrl).href);
  }}
  const mpd = new DOMParser().parseFromString(text, "application/xml");
  return Array.from(mpd.getElementsByTagName("SegmentURL"))
    .map((node) => new URL(node.getAttribute("media"), listingUrl).href);
}}

fetch(listingUrl)
  .then((response) => {{
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.text();
  }})
  .then((text) => {{
    segments = segmentsOf(text);
    if (!segments.length) throw new Error("no segments");
    audio.src = segments[0];
    status.textContent = segments.length + " segment(s) ready";
  }})
  .catch((error) => {{
    status.textContent = "Not playable yet (" + error.message + "): the media may still be transcoding.";
  }});

audio.addEventListener("ended", () => {{
  current += 1;
  if (current < segments.length) {{
    audio.src = segments[current];
    audio.play();
  }}
}});
</script>
</body>
</html>
"""


def _script_json(value: str) -> str:
    """A JSON string literal that is safe inside ``<script>``."""
    return json.dumps(value).replace("</", "<\\/")


def _not_found(message: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!DOCTYPE html><html><body><p>{html.escape(message)}</p></body></html>", status_code=404
    )


@router.get("/vod/{kind}/{media_id}", response_class=HTMLResponse)
async def player(kind: str, media_id: str, request: Request) -> HTMLResponse:
    """The player page of a media's ``hls`` or ``dash`` output; 404 when it has none."""
    media = state_of(request).aioz.live(media_id)
    if kind not in ("hls", "dash") or media is None or kind not in media.stream_types:
        return _not_found(f"No {kind} player for media {media_id}")
    listing_url = media_urls(str(request.base_url).rstrip("/"), media_id)[f"{kind}_url"]
    page = _PAGE.format(
        title=html.escape(media.title),
        kind_upper=kind.upper(),
        listing="playlist" if kind == "hls" else "manifest",
        listing_url=html.escape(listing_url, quote=True),
        listing_json=_script_json(listing_url),
        kind_json=_script_json(kind),
    )
    return HTMLResponse(page)
