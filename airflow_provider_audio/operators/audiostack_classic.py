"""AudioStack's classic pipeline operators: script -> text to speech -> mix -> encode."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_audio.defaults import AUDIOSTACK_CONN_ID
from airflow_provider_audio.operators.audiostack import (
    AUDIO_URI_XCOM_KEY,
    AudioStackAudioLink,
    AudioStackJobOperator,
    AudioStackOperatorMixin,
)

# Hooks and models are imported in methods: DAG files parse without the HTTP client and models.
if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_audio.models.audiostack_classic import EncodeRequest, MixRequest, SpeechRequest


class AudioStackScriptOperator(AudioStackOperatorMixin, BaseOperator):
    """
    Create a script in a project and module, or update the one of the same name (re-runs create
    no duplicates). Sections are written in the text (``<as:section name="intro">...``).

    Returns the script (``scriptId``, ``projectName``, ``moduleName``, ``scriptName``, ``scriptText``).

    :param script_text: the text (templated).
    :param project_name: the project (templated).
    :param module_name: the module (templated).
    :param script_name: the script's name (templated).
    :param metadata: free key/values.
    :param conn_id: the AudioStack connection.
    """

    template_fields: Sequence[str] = ("script_text", "project_name", "module_name", "script_name", "conn_id")

    def __init__(
        self,
        *,
        script_text: str,
        project_name: str | None = None,
        module_name: str | None = None,
        script_name: str | None = None,
        metadata: dict[str, Any] | None = None,
        conn_id: str = AUDIOSTACK_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.script_text = script_text
        self.project_name = project_name
        self.module_name = module_name
        self.script_name = script_name
        self.metadata = metadata
        self.conn_id = conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_audio.models.audiostack_classic import parse_script

        fields = {
            "scriptText": self.script_text,
            "projectName": self.project_name,
            "moduleName": self.module_name,
            "scriptName": self.script_name,
            "metadata": self.metadata,
        }
        request = parse_script({key: value for key, value in fields.items() if value is not None})
        hook = self.hook
        if self.project_name and self.module_name and self.script_name:
            wanted = {
                "projectName": self.project_name,
                "moduleName": self.module_name,
                "scriptName": self.script_name,
            }
            for existing in hook.list_scripts(self.project_name, self.module_name, self.script_name):
                # The list is filtered by the service; the update is decided by what the answer says.
                same = all(existing.get(key) == value for key, value in wanted.items())
                if same and existing.get("scriptId"):
                    old = str(existing.get("scriptText") or "")
                    if "scriptText" not in existing:
                        text = f"-> {len(request.script_text)} characters"
                    elif old == request.script_text:
                        text = f"unchanged ({len(old)} characters)"
                    else:
                        text = f"{len(old)} -> {len(request.script_text)} characters"
                    self.log.info(
                        "Script %s exists (%s/%s/%s); changing its text: scriptText: %s",
                        existing["scriptId"],
                        self.project_name,
                        self.module_name,
                        self.script_name,
                        text,
                    )
                    return hook.update_script(str(existing["scriptId"]), request.script_text)
        script = hook.create_script(request)
        self.log_made(context, f"script {script.get('scriptId')}")
        return script


class AudioStackTTSOperator(AudioStackJobOperator):
    """
    Speak a script with a voice. Returns the speech (``speechId``, ``sections[].url``...). A voice
    AudioStack does not list fails the task before the billed call.

    :param script_id: the script (templated).
    :param voice: the voice alias (templated).
    :param speed: speaking speed factor.
    :param options: further fields of ``POST /speech/tts`` (``silencePadding``, ``audience``...).
    """

    resource = "speech"
    state_store_key = "audiostack_speech"
    submit_route = "POST /speech/tts"
    template_fields: Sequence[str] = ("script_id", "voice", "conn_id")

    def __init__(
        self,
        *,
        script_id: str,
        voice: str,
        speed: float | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.script_id = script_id
        self.voice = voice
        self.speed = speed
        self.options = options or {}
        self._request: SpeechRequest | None = None

    def validate(self, context: Context) -> None:
        from airflow_provider_audio.hooks.audiostack_library import LibraryReference, LibraryReferences
        from airflow_provider_audio.models.audiostack_classic import parse_speech

        body = {**self.options, "scriptId": self.script_id, "voice": self.voice}
        if self.speed is not None:
            body["speed"] = self.speed
        request = parse_speech(body)
        voice = LibraryReference("voice", request.voice)
        self.hook.check_library_names("text to speech", LibraryReferences(voices=(voice,)))
        self._request = request

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        assert self._request is not None
        return [self.hook.create_speech(self._request)]

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> dict[str, Any]:
        speech_id, item = next(iter(items.items()))
        result: dict[str, Any] = item["result"]
        sections = result.get("sections")
        count = len(sections) if isinstance(sections, list) else 0
        self.log_made(
            context,
            f"speech {speech_id} of script {self.script_id} by {self.voice!r} ({count} section(s))",
            took_seconds=self.job_elapsed(context),
        )
        return result


class AudioStackMixOperator(AudioStackJobOperator):
    """
    Mix speech over a sound template and master it. Returns the production (``productionId``,
    ``files[].url``...). A sound template AudioStack does not list fails the task before the mix is
    requested.

    :param speech_id: the speech to mix (templated); or give ``script_id``.
    :param script_id: a script whose speech to mix (templated).
    :param sound_template: the sound template (templated).
    :param mastering_preset: the mastering preset.
    :param options: further fields of ``POST /production/mix``.
    """

    resource = "mix"
    state_store_key = "audiostack_mix"
    submit_route = "POST /production/mix"
    template_fields: Sequence[str] = ("speech_id", "script_id", "sound_template", "conn_id")

    def __init__(
        self,
        *,
        speech_id: str | None = None,
        script_id: str | None = None,
        sound_template: str | None = None,
        mastering_preset: str | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.speech_id = speech_id
        self.script_id = script_id
        self.sound_template = sound_template
        self.mastering_preset = mastering_preset
        self.options = options or {}
        self._request: MixRequest | None = None

    def validate(self, context: Context) -> None:
        from airflow_provider_audio.hooks.audiostack_library import LibraryReference, LibraryReferences
        from airflow_provider_audio.models.audiostack_classic import parse_mix

        fields = {
            "speechId": self.speech_id,
            "scriptId": self.script_id,
            "soundTemplate": self.sound_template,
            "masteringPreset": self.mastering_preset,
        }
        request = parse_mix({**self.options, **{k: v for k, v in fields.items() if v is not None}})
        if request.sound_template and request.sound_template.strip():
            template = LibraryReference("soundTemplate", request.sound_template)
            self.hook.check_library_names("mix", LibraryReferences(sound_templates=(template,)))
        self._request = request

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        assert self._request is not None
        return [self.hook.create_mix(self._request)]

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> dict[str, Any]:
        production_id, item = next(iter(items.items()))
        result: dict[str, Any] = item["result"]
        files = result.get("files")
        url = (
            files[0].get("url") if isinstance(files, list) and files and isinstance(files[0], dict) else None
        )
        bed = f" over {self.sound_template!r}" if self.sound_template else ""
        self.log_made(context, f"mix {production_id}{bed}", took_seconds=self.job_elapsed(context), url=url)
        return result


class AudioStackEncodeOperator(AudioStackJobOperator):
    """
    Encode a mix for delivery, and optionally download it. Returns ``{encoder_id, url, format,
    output_path, size_bytes}``.

    :param production_id: the mix (templated).
    :param preset: the encoding preset (``mp3``, ``wav``...; unknown presets are warnings).
    :param loudness_preset: the loudness preset (``podcast``, ``radio``...).
    :param public: whether the URL is public.
    :param output_path: where to download it (a local path or an ``ObjectStoragePath``) (templated).
    """

    resource = "encoding"
    state_store_key = "audiostack_encoding"
    submit_route = "POST /delivery/encoder"
    template_fields: Sequence[str] = ("production_id", "output_path", "conn_id")
    operator_extra_links = (AudioStackAudioLink(),)

    def __init__(
        self,
        *,
        production_id: str,
        preset: str,
        loudness_preset: str | None = None,
        public: bool | None = None,
        output_path: str | os.PathLike[str] | ObjectStoragePath | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.production_id = production_id
        self.preset = preset
        self.loudness_preset = loudness_preset
        self.public = public
        self.output_path = output_path
        self._request: EncodeRequest | None = None

    def validate(self, context: Context) -> None:
        from airflow_provider_audio.client.files import destination_problems
        from airflow_provider_audio.exceptions import AudioInputError
        from airflow_provider_audio.models.audiostack_classic import parse_encode

        if self.output_path is not None:
            problems = destination_problems(self.output_path, "output_path")
            if problems:
                raise AudioInputError(f"{type(self).__name__} arguments", problems)

        fields = {"loudnessPreset": self.loudness_preset, "public": self.public}
        body = {"productionId": self.production_id, "preset": self.preset}
        self._request = parse_encode({**body, **{k: v for k, v in fields.items() if v is not None}})

    def submit_ids(self, context: Context, already: list[str]) -> list[str]:
        assert self._request is not None
        return [self.hook.create_encoding(self._request)]

    def items_result(self, context: Context, items: dict[str, dict[str, Any]]) -> dict[str, Any]:
        encoder_id, item = next(iter(items.items()))
        url = item["result"].get("url")
        output: dict[str, Any] = {
            "encoder_id": encoder_id,
            "url": url,
            "format": item["result"].get("format"),
            "output_path": None,
            "size_bytes": None,
        }
        if self.output_path is not None and url:
            downloaded = self.hook.download(str(url), self.output_path)
            output["output_path"], output["size_bytes"] = downloaded.path, downloaded.size_bytes
        self.record_link(context, AUDIO_URI_XCOM_KEY, url)
        self.log_made(
            context,
            f"encoding {encoder_id} of mix {self.production_id} ({self.preset})",
            took_seconds=self.job_elapsed(context),
            size_bytes=output["size_bytes"],
            location=output["output_path"],
            url=url,
        )
        return output
