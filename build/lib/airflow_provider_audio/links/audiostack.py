"""Extra links on AudioStack operators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

# The XCom key under which operators keep the delivered file's URL for this link.
AUDIO_URI_XCOM_KEY = "audio_uri"
PLATFORM_URL = "https://platform.audiostack.ai"


class AudioStackAudioLink(BaseOperatorLink):
    """The delivered audio file of a build, once the build has finished."""

    name = "AudioStack audio"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        uri = XCom.get_value(ti_key=ti_key, key=AUDIO_URI_XCOM_KEY)
        return str(uri) if uri else ""


class AudioStackPlatformLink(BaseOperatorLink):
    """The AudioStack platform, where builds and credits can be inspected."""

    name = "AudioStack platform"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        return PLATFORM_URL
