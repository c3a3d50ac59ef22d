"""AudioStack's classic pipeline: scripts, text to speech, mixing and encoding
(https://docs.audiostack.ai/docs/architecture and the official SDK)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_audio.client.http import ApiResponse
from airflow_provider_audio.client.routes import audiostack as routes
from airflow_provider_audio.client.service import Endpoint
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.models.audiostack_classic import (
    EncodeRequest,
    MixRequest,
    ScriptRequest,
    SpeechRequest,
    parse_encode,
    parse_mix,
    parse_script,
    parse_speech,
)


def _data(response: ApiResponse) -> dict[str, Any]:
    data = response.json_object().get("data")
    return dict(data) if isinstance(data, Mapping) else {}


def _id(response: ApiResponse, key: str) -> str:
    value = _data(response).get(key)
    if not value:
        raise ValueError(f"AudioStack answered without {key}: {response.body!r}")
    return str(value)


class AudioStackClassicMixin(AudioServiceHook):
    """Script -> speech -> mix -> encoding: the classic calls of ``AudioStackHook``."""

    def create_script(self, request: ScriptRequest | Mapping[str, Any]) -> dict[str, Any]:
        """Create a script in a project and module; returns it (``scriptId`` and more)."""
        model = request if isinstance(request, ScriptRequest) else parse_script(request)
        return _data(self.get_conn().call(routes.CREATE_SCRIPT, json_body=model.to_payload()))

    def get_script(self, script_id: str, version: str | None = None) -> dict[str, Any]:
        """A script, or one of its versions."""
        if version:
            params = {"script_id": script_id, "version": version}
            return _data(self.get_conn().call(routes.GET_SCRIPT_VERSION, path_params=params))
        return _data(self.get_conn().call(routes.GET_SCRIPT, path_params={"script_id": script_id}))

    def update_script(self, script_id: str, script_text: str, version: str | None = None) -> dict[str, Any]:
        """Replace a script's text (optionally as a named version)."""
        parse_script({"scriptText": script_text})
        body: dict[str, Any] = {"scriptId": script_id, "scriptText": script_text}
        if version:
            body["version"] = version
        return _data(self.get_conn().call(routes.UPDATE_SCRIPT, json_body=body))

    def delete_script(self, script_id: str) -> None:
        """Delete a script."""
        self.get_conn().call(routes.DELETE_SCRIPT, path_params={"script_id": script_id})

    def list_scripts(
        self, project_name: str | None = None, module_name: str | None = None, script_name: str | None = None
    ) -> list[dict[str, Any]]:
        """Scripts, filtered by project, module and name."""
        params = {"projectName": project_name, "moduleName": module_name, "scriptName": script_name}
        return list(_data(self.get_conn().call(routes.LIST_SCRIPTS, params=params)).get("scripts") or [])

    def _start(self, endpoint: Endpoint, body: dict[str, Any], id_key: str) -> str:
        return _id(self.get_conn().call(endpoint, json_body=body), id_key)

    def create_speech(self, request: SpeechRequest | Mapping[str, Any]) -> str:
        """Start text to speech of a script; returns the ``speechId`` to poll (resource ``speech``)."""
        model = request if isinstance(request, SpeechRequest) else parse_speech(request)
        return self._start(routes.CREATE_SPEECH, model.to_payload(), "speechId")

    def create_mix(self, request: MixRequest | Mapping[str, Any]) -> str:
        """Start a mix; returns the ``productionId`` to poll (resource ``mix``)."""
        model = request if isinstance(request, MixRequest) else parse_mix(request)
        return self._start(routes.CREATE_MIX, model.to_payload(), "productionId")

    def create_encoding(self, request: EncodeRequest | Mapping[str, Any]) -> str:
        """Start an encoding; returns the ``encoderId`` to poll (resource ``encoding``)."""
        model = request if isinstance(request, EncodeRequest) else parse_encode(request)
        for warning in model.warnings():
            self.log.warning("encoding: %s", warning)
        return self._start(routes.CREATE_ENCODING, model.to_payload(), "encoderId")

    def mix_presets(self) -> Any:
        """The mastering presets AudioStack offers."""
        return _data(self.get_conn().call(routes.MIX_PRESETS))

    def encoder_presets(self) -> Any:
        """The encoding presets AudioStack offers."""
        return _data(self.get_conn().call(routes.ENCODER_PRESETS))
