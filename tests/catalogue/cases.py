"""
The bad-input catalogue: malformed inputs across all operators, each of which must fail before any
billed call with a message naming the field (and the allowed values where there is a fixed set).
A name checked against one of AudioStack's lists (voices, sound templates) costs one free read of
that list first, which a case declares in ``reads``.

One list feeds both ``test_bad_input.py`` and the table in ``docs/BAD_INPUT.md``
(``python -m tests.catalogue.render`` rewrites it; a test checks it is current).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OPS = "airflow_provider_audio.operators"
TRANSFER = "airflow_provider_audio.transfers.audiostack_to_aiozstream.AudioStackToAiozStreamOperator"


def audioform(**changes: Any) -> dict[str, Any]:
    """A valid audioform, with top-level changes."""
    base: dict[str, Any] = {
        "header": {"version": "1"},
        "assets": {
            "narrator": {"type": "voice", "voiceAlias": "sara"},
            "speech": {"type": "tts", "text": "Hello there.", "voiceRef": "narrator"},
        },
        "production": {"arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]}},
        "delivery": {"encoderPreset": "wav"},
    }
    return {**base, **changes}


def clip(**changes: Any) -> dict[str, Any]:
    """A valid audioform whose only clip has these changes."""
    return audioform(
        production={
            "arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech", **changes}]}]}]}
        }
    )


SPEECH: dict[str, Any] = {"speech": {"type": "tts", "text": "Hello there.", "voiceRef": "narrator"}}


def ghost_speech() -> dict[str, Any]:
    """A tts asset speaking with a voice no service lists."""
    return {"type": "tts", "text": "Hello there.", "voice": "ghost"}


def bedded(**bed: Any) -> dict[str, Any]:
    """A valid audioform with a sound template asset ``bed`` (these fields) under its speech."""
    base = audioform()
    layers = [{"clips": [{"assetRef": "speech"}]}, {"clips": [{"assetRef": "bed"}]}]
    return {
        **base,
        "assets": {**base["assets"], "bed": {"type": "soundTemplate", **bed}},
        "production": {"arrangement": {"sections": [{"layers": layers}]}},
    }


def quality(**changes: Any) -> dict[str, Any]:
    """An AIOZ quality, with changes (``audio_config`` changes merge)."""
    config = {"codec": "aac", "bitrate": 128000, "channels": "2", "sample_rate": 44100}
    config.update(changes.pop("audio_config", {}))
    return {
        "resolution": "standard",
        "type": "hls",
        "container_type": "mpegts",
        "audio_config": config,
        **changes,
    }


@dataclass(frozen=True)
class Case:
    """
    One malformed input.

    :param name: a short id.
    :param operator: the operator's dotted class path.
    :param kwargs: its arguments (``SAMPLE_WAV``/``EMPTY_FILE``/``MISSING_FILE``/``TEXT_FILE``/
        ``UNDER_A_FILE`` (a path under an existing file)/``OUTPUT_FILE`` placeholders are replaced by
        real paths).
    :param expected: text the error must contain (the field, and allowed values where fixed).
    :param when: ``construct`` (fails when the DAG is parsed) or ``execute`` (fails at run time,
        after rendering, before any call).
    :param notes: a remark for the table.
    :param reads: the free list routes (``GET /speech/voice``) read once before the refusal; no
        other request may reach the service.
    """

    name: str
    operator: str
    kwargs: dict[str, Any]
    expected: str
    when: str = "execute"
    notes: str = field(default="")
    reads: tuple[str, ...] = ()


AUDIOFORM = f"{OPS}.audiostack.AudioStackBuildAudioformOperator"
BATCH = f"{OPS}.audiostack_creator.AudioStackBatchBuildOperator"
BRIEF = f"{OPS}.audiostack_creator.AudioStackBriefOperator"
STORY = f"{OPS}.audiostack_creator.AudioStackStoryOperator"
SCRIPT = f"{OPS}.audiostack_classic.AudioStackScriptOperator"
TTS = f"{OPS}.audiostack_classic.AudioStackTTSOperator"
MIX = f"{OPS}.audiostack_classic.AudioStackMixOperator"
ENCODE = f"{OPS}.audiostack_classic.AudioStackEncodeOperator"
FILE_UPLOAD = f"{OPS}.audiostack_files.AudioStackUploadFileOperator"
AIOZ_UPLOAD = f"{OPS}.aiozstream.AiozStreamUploadAudioOperator"
AIOZ_UPDATE = f"{OPS}.aiozstream.AiozStreamUpdateMediaOperator"
VOICE = f"{OPS}.audiopod.AudioPodCreateVoiceOperator"
PREVIEW = f"{OPS}.audiopod.AudioPodVoicePreviewOperator"
BATCH_PREVIEW = f"{OPS}.audiopod.AudioPodBatchPreviewOperator"
VOICE_UPDATE = f"{OPS}.audiopod.AudioPodUpdateVoiceOperator"
USAGE = f"{OPS}.audiopod.AudioPodUsageOperator"
GENERATE = f"{OPS}.aimlapi.AimlApiGenerateAudioOperator"

AIOZ = {"source": "SAMPLE_WAV", "title": "Episode", "part_size": 5 * 2**20}
LIST_VOICES = "GET /speech/voice"
LIST_SOUND_TEMPLATES = "GET /production/sound/template"
SANDBOX_VOICES = "allowed values (sorted): 'aria', 'isaac', 'joanna', 'matthew', 'sara', 'wren'"
ALLOWED_RESOLUTIONS = "allowed values: 'standard', 'good', 'highest' or 'lossless'"

CASES: list[Case] = [
    # AudioStack audioforms
    Case("audioform-missing-asset-ref", AUDIOFORM, {"audioform": clip(assetRef=None)}, "clips[0].assetRef"),
    Case(
        "audioform-undefined-asset-ref",
        AUDIOFORM,
        {"audioform": clip(assetRef="outro")},
        "'outro' is not an asset of this audioform; defined assets: 'narrator', 'speech'",
    ),
    Case(
        "audioform-empty-sections",
        AUDIOFORM,
        {"audioform": audioform(production={"arrangement": {"sections": []}})},
        "production.arrangement.sections: List should have at least 1 item(s)",
    ),
    Case(
        "audioform-unknown-asset-type",
        AUDIOFORM,
        {"audioform": audioform(assets={"speech": {"type": "song"}})},
        "assets.speech.type: unknown value 'song'; allowed values: 'tts', 'voice', 'soundTemplate', 'soundTemplateSnippet', 'media', 'sts', 'soundEffect'",
    ),
    Case(
        "audioform-tts-without-text",
        AUDIOFORM,
        {"audioform": audioform(assets={"speech": {"type": "tts", "voice": "sara"}})},
        "assets.speech.text: Field required",
    ),
    Case(
        "audioform-unknown-voice-ref",
        AUDIOFORM,
        {"audioform": audioform(assets={"speech": {"type": "tts", "text": "x", "voiceRef": "ghost"}})},
        "assets.speech.voiceRef",
    ),
    Case(
        "audioform-bad-mixing-preset",
        AUDIOFORM,
        {
            "audioform": audioform(
                production={
                    "arrangement": {"sections": [{"layers": [{"clips": [{"assetRef": "speech"}]}]}]},
                    "mixingPreset": "loud",
                }
            )
        },
        "production.mixingPreset: got 'loud'; allowed values: 'balanced', 'musicenhanced' or 'voiceenhanced'",
    ),
    Case(
        "audioform-negative-fade",
        AUDIOFORM,
        {"audioform": clip(fadeIn=-1)},
        "clips[0].fadeIn: Input should be greater than or equal to 0",
    ),
    Case(
        "audioform-string-duration",
        AUDIOFORM,
        {"audioform": clip(forcedDuration="10")},
        "clips[0].forcedDuration: Input should be a number",
    ),
    Case(
        "audioform-public-not-bool",
        AUDIOFORM,
        {"audioform": audioform(delivery={"public": "yes"})},
        "delivery.public: Input should be true or false",
    ),
    Case("audioform-bad-json-text", AUDIOFORM, {"audioform": '{"header": '}, "invalid JSON at line 1"),
    Case("audioform-missing-file", AUDIOFORM, {"audioform": "MISSING_FILE"}, "no such file"),
    Case(
        "audioform-zero-poll-interval",
        AUDIOFORM,
        {"audioform": audioform(), "poll_interval": 0},
        "poll_interval: 0; must be a positive number of seconds",
        when="construct",
    ),
    Case(
        "audioform-naive-deadline",
        AUDIOFORM,
        {"audioform": audioform(), "deadline": "NAIVE_DATETIME"},
        "deadline: ",
        when="construct",
        notes="must be timezone-aware",
    ),
    Case(
        "audioform-unlisted-voice",
        AUDIOFORM,
        {"audioform": audioform(assets={"narrator": {"type": "voice", "voiceAlias": "ghost"}, **SPEECH})},
        "assets.narrator.voiceAlias: 'ghost' is not one of the 6 voices AudioStack lists for this "
        f"account (GET /speech/voice); {SANDBOX_VOICES}",
        reads=(LIST_VOICES,),
    ),
    Case(
        "audioform-unlisted-sound-template",
        AUDIOFORM,
        {"audioform": bedded(soundTemplateAlias="nowhere")},
        "assets.bed.soundTemplateAlias: 'nowhere' is not one of the 6 sound templates AudioStack lists",
        reads=(LIST_VOICES, LIST_SOUND_TEMPLATES),
    ),
    # AudioStack batches, briefs, stories
    Case("batch-empty", BATCH, {"items": {}}, "items: empty; a batch needs at least one audioform"),
    Case(
        "batch-duplicate-name",
        BATCH,
        {"items": [{"name": "a", "audioform": audioform()}, {"name": "a", "audioform": audioform()}]},
        "items[1].name: 'a' appears twice",
    ),
    Case(
        "batch-bad-item",
        BATCH,
        {"items": {"ep-1": clip(assetRef="nope")}},
        "items[0] (ep-1).audioform.production.arrangement.sections[0].layers[0].clips[0].assetRef",
    ),
    Case(
        "batch-unlisted-voice",
        BATCH,
        {"items": {"ep-1": audioform(), "ep-2": audioform(assets={"speech": ghost_speech()})}},
        "items[1] (ep-2).audioform.assets.speech.voice: 'ghost' is not one of the 6 voices",
        reads=(LIST_VOICES,),
    ),
    Case(
        "batch-size-too-big",
        BATCH,
        {"items": {"a": audioform()}, "batch_size": 1001},
        "batch_size: 1001; allowed 1 to 1000",
        when="construct",
    ),
    Case(
        "brief-ad-length",
        BRIEF,
        {"brief": {"script": {"productName": "Tea", "productDescription": "Tea", "adLength": 25}}},
        "brief.script.adLength: got 25; allowed values: 10, 15, 20, 30 or 40",
    ),
    Case(
        "brief-num-ads",
        BRIEF,
        {"brief": {"script": {"scriptText": "Buy tea."}}, "num_ads": 6},
        "numAds: Input should be less than or equal to 5",
    ),
    Case("brief-nothing", BRIEF, {}, "give exactly one of brief and fileId"),
    Case(
        "brief-unlisted-voice",
        BRIEF,
        {"brief": {"script": {"scriptText": "Buy tea."}, "voices": [{"alias": "ghost"}]}},
        "brief.voices[0].alias: 'ghost' is not one of the 6 voices",
        reads=(LIST_VOICES,),
    ),
    Case(
        "brief-unlisted-sound-design",
        BRIEF,
        {"brief": {"script": {"scriptText": "Buy tea."}, "sounds": {"soundDesign": [{"alias": "nowhere"}]}}},
        "brief.sounds.soundDesign[0].alias: 'nowhere' is not one of the 6 sound templates",
        reads=(LIST_SOUND_TEMPLATES,),
    ),
    Case(
        "brief-no-product",
        BRIEF,
        {"brief": {"script": {"productName": "Tea"}}},
        "give scriptText, or productName and productDescription",
    ),
    Case(
        "story-no-chapters",
        STORY,
        {"story": {"title": "t", "chapters": []}},
        "story.chapters: List should have at least 1 item(s)",
    ),
    Case(
        "story-empty-line",
        STORY,
        {"story": {"chapters": [{"narratives": [{"foreground": [{"text": ""}]}]}]}},
        "story.chapters[0].narratives[0].foreground[0].text",
    ),
    # AudioStack classic pipeline and files
    Case("script-empty-text", SCRIPT, {"script_text": "  "}, "scriptText: String should match pattern"),
    Case(
        "tts-zero-speed",
        TTS,
        {"script_id": "s1", "voice": "sara", "speed": 0},
        "speed: Input should be greater than 0",
    ),
    Case(
        "tts-no-voice",
        TTS,
        {"script_id": "s1", "voice": ""},
        "voice: String should have at least 1 character",
    ),
    Case(
        "tts-unlisted-voice",
        TTS,
        {"script_id": "s1", "voice": "ghost"},
        "voice: 'ghost' is not one of the 6 voices AudioStack lists for this account "
        f"(GET /speech/voice); {SANDBOX_VOICES}",
        reads=(LIST_VOICES,),
    ),
    Case(
        "mix-two-sources",
        MIX,
        {"speech_id": "a", "script_id": "b"},
        "give exactly one of speechId and scriptId",
    ),
    Case(
        "mix-unlisted-sound-template",
        MIX,
        {"speech_id": "sp1", "sound_template": "nowhere"},
        "soundTemplate: 'nowhere' is not one of the 6 sound templates AudioStack lists for this account "
        "(GET /production/sound/template)",
        reads=(LIST_SOUND_TEMPLATES,),
    ),
    Case(
        "encode-no-preset",
        ENCODE,
        {"production_id": "p1", "preset": ""},
        "preset: String should have at least 1 character",
    ),
    Case("file-upload-empty", FILE_UPLOAD, {"source": "EMPTY_FILE"}, "the file is empty"),
    # AIOZ Stream
    Case(
        "aioz-resolution",
        AIOZ_UPLOAD,
        {**AIOZ, "qualities": [quality(resolution="1080p")]},
        f"qualities[0].resolution: got '1080p'; {ALLOWED_RESOLUTIONS}",
    ),
    Case(
        "aioz-dash-container",
        AIOZ_UPLOAD,
        {**AIOZ, "qualities": [quality(type="dash")]},
        "qualities[0].container_type: allowed values for type 'dash': 'fmp4'",
    ),
    Case(
        "aioz-hls-container",
        AIOZ_UPLOAD,
        {**AIOZ, "qualities": [quality(container_type="fmp4")]},
        "qualities[0].container_type: allowed values for type 'hls': 'mpegts', 'mp4'",
    ),
    Case(
        "aioz-codec",
        AIOZ_UPLOAD,
        {**AIOZ, "qualities": [quality(audio_config={"codec": "opus"})]},
        "qualities[0].audio_config.codec: got 'opus'; allowed values: 'aac'",
    ),
    Case(
        "aioz-channels",
        AIOZ_UPLOAD,
        {**AIOZ, "qualities": [quality(audio_config={"channels": "6"})]},
        "qualities[0].audio_config.channels: got '6'; allowed values: '2'",
    ),
    Case(
        "aioz-bitrate",
        AIOZ_UPLOAD,
        {**AIOZ, "qualities": [quality(audio_config={"bitrate": 0})]},
        "qualities[0].audio_config.bitrate: Input should be greater than 0",
    ),
    Case(
        "aioz-sample-rate",
        AIOZ_UPLOAD,
        {**AIOZ, "qualities": [quality(audio_config={"sample_rate": 44000})]},
        "qualities[0].audio_config.sample_rate: got 44000; allowed values: 8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200 or 96000",
    ),
    Case(
        "aioz-reserved-metadata",
        AIOZ_UPLOAD,
        {**AIOZ, "metadata": {"airflow_upload": "mine"}},
        "metadata: at most 49 pairs, none named 'airflow_upload'",
    ),
    Case("aioz-missing-file", AIOZ_UPLOAD, {**AIOZ, "source": "MISSING_FILE"}, "no such file"),
    Case("aioz-empty-file", AIOZ_UPLOAD, {**AIOZ, "source": "EMPTY_FILE"}, "the file is empty"),
    Case(
        "aioz-part-too-small",
        AIOZ_UPLOAD,
        {**AIOZ, "part_size": 1024},
        "part_size: 1024; must be an integer from 5242880 to 134217728 bytes",
        when="construct",
    ),
    Case(
        "aioz-part-too-big",
        AIOZ_UPLOAD,
        {**AIOZ, "part_size": 200 * 2**20},
        "part_size: 209715200; must be an integer from 5242880 to 134217728 bytes",
        when="construct",
    ),
    Case(
        "aioz-reuse-key-unknown",
        AIOZ_UPLOAD,
        {**AIOZ, "reuse_key": "article_id"},
        "reuse_key: 'article_id' is not a key of metadata",
    ),
    Case(
        "aioz-cost-guard-needs-duration",
        AIOZ_UPLOAD,
        {**AIOZ, "source": "TEXT_FILE", "check_cost": True},
        "duration_seconds: needed to price the transcoding",
    ),
    Case(
        "aioz-metadata-key-too-long",
        AIOZ_UPLOAD,
        {**AIOZ, "metadata": {"k" * 256: "v"}},
        "metadata[0].key: String should have at most 255 characters",
    ),
    Case(
        "aioz-update-unknown-field",
        AIOZ_UPDATE,
        {"media_id": "m1", "changes": {"titel": "typo"}},
        "titel: unknown field; allowed fields: title, description, metadata, tags, is_public, player_theme_id",
    ),
    Case(
        "transfer-no-source",
        TRANSFER,
        {"title": "t"},
        "audioform_id / audio_uri: give exactly one",
        when="construct",
    ),
    # AudioPod AI
    Case("voice-missing-sample", VOICE, {"name": "v", "samples": "MISSING_FILE"}, "samples[0]"),
    Case("voice-empty-sample", VOICE, {"name": "v", "samples": "EMPTY_FILE"}, "the file is empty"),
    Case(
        "voice-not-audio",
        VOICE,
        {"name": "v", "samples": "TEXT_FILE"},
        "not WAV, MP3 or M4A audio; allowed formats: wav, mp3, m4a",
    ),
    Case(
        "voice-no-samples", VOICE, {"name": "v", "samples": []}, "samples: at least one audio file is needed"
    ),
    Case(
        "preview-format",
        PREVIEW,
        {"voice_id": "1", "output_path": "/tmp/p.ogg", "audio_format": "ogg"},
        "audio_format: 'ogg'; allowed values: ('mp3', 'wav')",
        when="construct",
    ),
    Case(
        "batch-preview-no-voices",
        BATCH_PREVIEW,
        {"voice_ids": [], "text": "Hello"},
        "voice_ids: List should have at least 1 item(s)",
    ),
    Case(
        "voice-update-unknown-field",
        VOICE_UPDATE,
        {"voice_id": "1", "changes": {"gender": "f"}},
        "gender: unknown field; allowed fields: name, description, is_public, tags",
    ),
    Case(
        "usage-period",
        USAGE,
        {"period": "2w"},
        "period: got '2w'; allowed values: '7d', '30d', '90d' or '1y'",
        when="construct",
    ),
    # AIML API
    Case("aiml-empty-prompt", GENERATE, {"prompt": ""}, "prompt: String should have at least 1 character"),
    Case(
        "aiml-seconds-total",
        GENERATE,
        {"prompt": "rain", "seconds_total": 48},
        "seconds_total: Input should be less than or equal to 47",
    ),
    Case(
        "aiml-seconds-start",
        GENERATE,
        {"prompt": "rain", "seconds_start": 0},
        "seconds_start: Input should be greater than or equal to 1",
    ),
    Case(
        "aiml-steps",
        GENERATE,
        {"prompt": "rain", "steps": 1001},
        "steps: Input should be less than or equal to 1000",
    ),
    Case(
        "aiml-start-past-total",
        GENERATE,
        {"prompt": "rain", "seconds_start": 40, "seconds_total": 10},
        "seconds_start: 40 must be less than seconds_total (10)",
    ),
    Case(
        "aiml-output-under-a-file",
        GENERATE,
        {"prompt": "rain", "output_path": "UNDER_A_FILE"},
        "which is a file, not a folder",
    ),
    Case(
        "audioform-output-under-a-file",
        AUDIOFORM,
        {"audioform": audioform(), "output_path": "UNDER_A_FILE"},
        "which is a file, not a folder",
    ),
    Case(
        "preview-voice-none",
        PREVIEW,
        {"voice_id": "None", "output_path": "OUTPUT_FILE"},
        "voice_id: 'None'; the id of an AudioPod voice is needed",
    ),
    Case(
        "batch-items-a-string",
        BATCH,
        {"items": "ep-1"},
        "items: got a str ('ep-1'); give {name: audioform} or a list of",
    ),
]
