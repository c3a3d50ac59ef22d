"""The async path (triggers) reads a connection without any blocking call to the supervisor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk.log import amask_secret

from airflow_provider_audio.hooks.audiostack import AudioStackHook
from tests.conftest import SANDBOX_KEY
from tests.integration.conftest import VALID_AUDIOFORM, HookFactory, set_connection

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer


async def test_async_client_reads_extras_and_masks_keys_without_a_blocking_call(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, audiostack_conn: str, make_hook: HookFactory
) -> None:
    """
    In the triggerer, a synchronous call to the supervisor from the event loop can deadlock; the
    async path must use ``aextra_dejson`` and ``amask_secret`` only.
    """

    submitted = AudioStackHook(audiostack_conn).submit_audioform(VALID_AUDIOFORM)

    def blocking_call(*args: object, **kwargs: object) -> None:
        raise AssertionError("a blocking supervisor call from the event loop")

    masked: list[object] = []

    async def recorded_amask_secret(secret: Any, name: str | None = None) -> None:
        masked.append(secret)
        await amask_secret(secret, name)

    monkeypatch.setattr("airflow_provider_audio.hooks.base.mask_secret", blocking_call)
    monkeypatch.setattr("airflow_provider_audio.hooks.base.amask_secret", recorded_amask_secret)
    monkeypatch.setattr("airflow.sdk.definitions.connection.Connection.extra_dejson", property(blocking_call))
    conn_id = set_connection(
        monkeypatch,
        "audiostack_async_only",
        "audiostack",
        host=sandbox.service_url("audiostack"),
        password=SANDBOX_KEY,
        extra={"read_timeout": 7, "version": "3"},
    )
    hook = make_hook(AudioStackHook, conn_id)
    reads: list[str] = []
    read_connection = hook.aget_connection

    async def counted_aget_connection(conn_id: str) -> Any:
        reads.append(conn_id)
        return await read_connection(conn_id)

    monkeypatch.setattr(hook, "aget_connection", counted_aget_connection)
    client = await hook.aget_client()
    assert client.timeouts.read == 7.0
    assert hook.response_version(await hook.asettings()) == "3"
    status = await hook.aget_audioform(submitted.audioform_id)
    assert status.resource_id == submitted.audioform_id
    assert masked == [SANDBOX_KEY]
    assert reads == [conn_id]  # the version header comes from the extras read with the client
