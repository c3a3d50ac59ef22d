"""Extra links on AIOZ Stream operators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

# The XCom key under which operators keep the media's player page for this link.
PLAYER_URL_XCOM_KEY = "player_url"


class AiozStreamPlayerLink(BaseOperatorLink):
    """The published media's player page."""

    name = "AIOZ Stream player"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        url = XCom.get_value(ti_key=ti_key, key=PLAYER_URL_XCOM_KEY)
        return str(url) if url else ""
