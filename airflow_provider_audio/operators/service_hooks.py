"""How an operator reaches its service: ``self.hook``, made once per task from ``self.conn_id``.

The hooks are imported when first used, not with this module: DAG files that use the operators
parse without the HTTP client.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from airflow_provider_audio.hooks.aimlapi import AimlApiHook
    from airflow_provider_audio.hooks.aiozstream import AiozStreamHook
    from airflow_provider_audio.hooks.audiopod import AudioPodHook
    from airflow_provider_audio.hooks.audiostack import AudioStackHook
    from airflow_provider_audio.hooks.base import AudioServiceHook

HookT = TypeVar("HookT", bound="AudioServiceHook")


class ServiceHookMixin(Generic[HookT]):
    """``hook``: the service's hook of ``conn_id``; a mixin per service names the hook class."""

    conn_id: str

    @staticmethod
    def hook_class() -> type[HookT]:
        """The hook class (imported here, when a task first needs it)."""
        raise NotImplementedError

    @cached_property
    def hook(self) -> HookT:
        """The hook of ``conn_id``, made once per task."""
        return self.hook_class()(self.conn_id)


class AudioStackOperatorMixin(ServiceHookMixin["AudioStackHook"]):
    @staticmethod
    def hook_class() -> type[AudioStackHook]:
        from airflow_provider_audio.hooks.audiostack import AudioStackHook

        return AudioStackHook


class AiozStreamOperatorMixin(ServiceHookMixin["AiozStreamHook"]):
    @staticmethod
    def hook_class() -> type[AiozStreamHook]:
        from airflow_provider_audio.hooks.aiozstream import AiozStreamHook

        return AiozStreamHook


class AudioPodOperatorMixin(ServiceHookMixin["AudioPodHook"]):
    @staticmethod
    def hook_class() -> type[AudioPodHook]:
        from airflow_provider_audio.hooks.audiopod import AudioPodHook

        return AudioPodHook


class AimlApiOperatorMixin(ServiceHookMixin["AimlApiHook"]):
    @staticmethod
    def hook_class() -> type[AimlApiHook]:
        from airflow_provider_audio.hooks.aimlapi import AimlApiHook

        return AimlApiHook
