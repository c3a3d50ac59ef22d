"""
Offline sandbox emulating AudioStack, AIOZ Stream, AudioPod AI and AIML API on 127.0.0.1.

``SandboxServer`` serves it in-process (tests, demos); ``python -m airflow_provider_audio.sandbox``
serves it as a process. Each service lives under its own prefix, so a connection's host is e.g.
``http://127.0.0.1:PORT/audiostack``.
"""

from __future__ import annotations

from airflow_provider_audio.sandbox.app import create_app
from airflow_provider_audio.sandbox.audioform import SANDBOX_VOICES
from airflow_provider_audio.sandbox.errors import Service
from airflow_provider_audio.sandbox.server import SandboxServer
from airflow_provider_audio.sandbox.settings import Settings, SettingsError, settings_from_sources

__all__ = [
    "SANDBOX_VOICES",
    "SandboxServer",
    "Service",
    "Settings",
    "SettingsError",
    "create_app",
    "settings_from_sources",
]
