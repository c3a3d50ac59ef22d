"""What Airflow's ProvidersManager reads about this package (entry point ``apache_airflow_provider``)."""

from __future__ import annotations

from typing import Any

from airflow_provider_audio import __version__
from airflow_provider_audio.connection_forms import CONNECTION_FORMS

_PACKAGE = "airflow_provider_audio"

_INTEGRATIONS = {
    "AudioStack": ("https://docs.audiostack.ai", "audiostack"),
    "AIOZ Stream": ("https://aiozstream.network", "aiozstream"),
    "AudioPod AI": ("https://docs.audiopod.ai", "audiopod"),
    "AIML API": ("https://docs.aimlapi.com", "aimlapi"),
}

_HOOK_CLASSES = {
    "audiostack": f"{_PACKAGE}.hooks.audiostack.AudioStackHook",
    "aiozstream": f"{_PACKAGE}.hooks.aiozstream.AiozStreamHook",
    "audiopod": f"{_PACKAGE}.hooks.audiopod.AudioPodHook",
    "aimlapi": f"{_PACKAGE}.hooks.aimlapi.AimlApiHook",
}


def get_provider_info() -> dict[str, Any]:
    """The provider's description, valid against Airflow's ``provider_info.schema.json``."""
    return {
        "package-name": "airflow-provider-audio",
        "name": "Audio services (AudioStack, AIOZ Stream, AudioPod AI, AIML API)",
        "description": (
            "Hooks, deferrable operators and triggers for AudioStack audio production, AIOZ Stream "
            "publishing, AudioPod AI voices and AIML API stable-audio generation."
        ),
        "versions": [__version__],
        "integrations": [
            *(
                {"integration-name": name, "external-doc-url": url, "tags": ["service"]}
                for name, (url, _) in _INTEGRATIONS.items()
            ),
            # A publisher's own feed of articles (a folder or a URL), watched for new articles.
            {"integration-name": "Article feed", "tags": ["software"]},
        ],
        "hooks": [
            {"integration-name": name, "python-modules": [f"{_PACKAGE}.hooks.{module}"]}
            for name, (_, module) in _INTEGRATIONS.items()
        ],
        "operators": [
            {
                "integration-name": "AudioStack",
                "python-modules": [
                    f"{_PACKAGE}.operators.audiostack",
                    f"{_PACKAGE}.operators.audiostack_creator",
                    f"{_PACKAGE}.operators.audiostack_classic",
                    f"{_PACKAGE}.operators.audiostack_files",
                ],
            },
            {"integration-name": "AIOZ Stream", "python-modules": [f"{_PACKAGE}.operators.aiozstream"]},
            {"integration-name": "AudioPod AI", "python-modules": [f"{_PACKAGE}.operators.audiopod"]},
            {"integration-name": "AIML API", "python-modules": [f"{_PACKAGE}.operators.aimlapi"]},
        ],
        "sensors": [
            {"integration-name": "AIOZ Stream", "python-modules": [f"{_PACKAGE}.sensors.aiozstream"]},
        ],
        "triggers": [
            {"integration-name": "AudioStack", "python-modules": [f"{_PACKAGE}.triggers.audiostack"]},
            {"integration-name": "AIOZ Stream", "python-modules": [f"{_PACKAGE}.triggers.aiozstream"]},
            {"integration-name": "AudioPod AI", "python-modules": [f"{_PACKAGE}.triggers.audiopod"]},
            {"integration-name": "AIML API", "python-modules": [f"{_PACKAGE}.triggers.aimlapi"]},
            {"integration-name": "Article feed", "python-modules": [f"{_PACKAGE}.triggers.article_feed"]},
        ],
        "transfers": [
            {
                "source-integration-name": "AudioStack",
                "target-integration-name": "AIOZ Stream",
                "python-module": f"{_PACKAGE}.transfers.audiostack_to_aiozstream",
            },
        ],
        # What the connection form shows (Airflow 3.2+ reads it from here, without importing hooks).
        "connection-types": [
            form.provider_info(_HOOK_CLASSES[conn_type]) for conn_type, form in CONNECTION_FORMS.items()
        ],
        "extra-links": [
            f"{_PACKAGE}.operators.audiostack.AudioStackAudioLink",
            f"{_PACKAGE}.operators.audiostack.AudioStackFileLink",
            f"{_PACKAGE}.operators.audiostack.AudioStackPlatformLink",
            f"{_PACKAGE}.operators.aiozstream.AiozStreamPlayerLink",
            f"{_PACKAGE}.operators.audiopod.AudioPodVoiceLink",
            f"{_PACKAGE}.operators.aimlapi.AimlApiAudioLink",
        ],
    }
