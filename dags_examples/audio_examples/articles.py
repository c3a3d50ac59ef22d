"""Articles as the example DAGs read them, and the audioform that turns one into a narrated episode."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: The sample feed: ``data/articles`` of the DAGs folder.
SAMPLE_ARTICLES = Path(__file__).parent.parent / "data" / "articles"


@dataclass(frozen=True)
class Article:
    """
    One article of a publisher's feed.

    :param id: the publisher's stable id (used to find an article already published).
    :param title: the headline, read first.
    :param body: the text, read after the headline.
    :param published: publication date, ``YYYY-MM-DD``.
    :param author: byline.
    :param tags: topic tags.
    """

    id: str
    title: str
    body: str
    published: str = ""
    author: str = ""
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for XCom."""
        return asdict(self)


def load_articles(folder: str | Path = SAMPLE_ARTICLES) -> list[Article]:
    """Every ``*.json`` article in ``folder``, oldest first."""
    articles = [Article(**json.loads(path.read_text())) for path in sorted(Path(folder).glob("*.json"))]
    return sorted(articles, key=lambda article: (article.published, article.id))


def articles_of_feed(feed: str | Path = SAMPLE_ARTICLES) -> list[Article]:
    """
    The articles of a feed, oldest first: a folder of article JSON files, or the ``http(s)://`` URL
    of a JSON list of articles.
    """
    text = str(feed)
    if not text.startswith(("http://", "https://")):
        return load_articles(Path(text))
    import requests

    response = requests.get(text, timeout=30)
    response.raise_for_status()
    items = json.loads(response.content)
    articles = [Article(**item) for item in items]
    return sorted(articles, key=lambda article: (article.published, article.id))


def article_audioform(
    article: Article,
    *,
    voice: str = "sara",
    sound_template: str = "cityscape",
    mixing_preset: str = "voiceenhanced",
    encoder_preset: str = "wav",
    loudness_preset: str = "podcast",
) -> dict[str, Any]:
    """
    An audioform that reads the headline and the body over a quiet music bed.

    :param article: the article to narrate.
    :param voice: the library voice alias that reads it.
    :param sound_template: the sound template alias used as the bed.
    :param mixing_preset: balanced, musicenhanced or voiceenhanced.
    :param encoder_preset: delivery encoding (``wav``, ``mp3``...).
    :param loudness_preset: delivery loudness (``podcast``, ``radio``, ``streaming``...).
    """
    return {
        "header": {"version": "1"},
        "assets": {
            "narrator": {"type": "voice", "voiceAlias": voice},
            "headline": {"type": "tts", "text": article.title + ".", "voiceRef": "narrator"},
            "story": {"type": "tts", "text": article.body, "voiceRef": "narrator"},
            "bed": {"type": "soundTemplate", "soundTemplateAlias": sound_template},
        },
        "production": {
            "arrangement": {
                "sections": [
                    {"layers": [{"clips": [{"assetRef": "headline", "marginEnd": 0.5}]}]},
                    {
                        "layers": [
                            {"clips": [{"assetRef": "story"}]},
                            {"clips": [{"assetRef": "bed", "fadeIn": 1.0, "fadeOut": 2.0}]},
                        ]
                    },
                ]
            },
            "mixingPreset": mixing_preset,
        },
        "delivery": {"encoderPreset": encoder_preset, "loudnessPreset": loudness_preset, "public": True},
    }
