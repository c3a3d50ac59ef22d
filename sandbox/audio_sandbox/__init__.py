"""
Offline sandbox emulating AudioStack, AIOZ Stream, AudioPod AI and AIML API on 127.0.0.1.

``SandboxServer`` serves it in-process (tests, demos); ``python -m audio_sandbox``
serves it as a process, which ``SandboxProcess`` starts and stops. Each service lives under its
own prefix, so a connection's host is e.g. ``http://127.0.0.1:PORT/audiostack``.
"""

from __future__ import annotations

from audio_sandbox.audiostack.audioform import SANDBOX_VOICES
from audio_sandbox.core.app import create_app
from audio_sandbox.core.errors import Service
from audio_sandbox.core.server import SandboxServer
from audio_sandbox.core.settings import Settings, SettingsError, settings_from_sources
from audio_sandbox.process import SandboxProcess

__all__ = [
    "SANDBOX_VOICES",
    "SandboxProcess",
    "SandboxServer",
    "Service",
    "Settings",
    "SettingsError",
    "create_app",
    "settings_from_sources",
]
