"""
OpenLineage facets of the operators that make audio: what each read and what it made.

Only the OpenLineage provider (``apache-airflow-providers-openlineage``, the ``[openlineage]``
extra) calls :meth:`AudioLineageMixin.get_openlineage_facets_on_complete`, after a task succeeded;
everything OpenLineage is imported there, so the provider works without it and a DAG file that
uses the operators parses without it.

Datasets are named by OpenLineage's naming conventions, namespace ``scheme://authority`` and name
the path:

============================  ===============================  ============================
what                          namespace                        name
============================  ===============================  ============================
a local file                  ``file``                         its absolute path
an object store path          ``s3://bucket``, ``gs://bucket``  the key
a delivered file (a URL)      ``https://host[:port]``          the URL's path (the query,
                                                               which may sign it, dropped)
an AudioStack audioform       the API's ``scheme://host``      ``<base path>/audioforms/<id>``
an AIOZ Stream media          the API's ``scheme://host``      ``<base path>/media/<id>``
============================  ===============================  ============================

The ``file`` namespace of local paths is the one Airflow's own common-io provider gives them.
"""

from __future__ import annotations

import importlib.util
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from airflow.providers.common.compat.openlineage.facet import Dataset
    from airflow.providers.openlineage.extractors import OperatorLineage


def location_dataset(location: str | os.PathLike[str] | Any) -> Dataset:
    """
    The dataset of a file: a local path, a ``file://``, ``s3://``... URL or ``ObjectStoragePath``,
    or an ``http(s)`` URL (whose query string, which may carry a signature, is left out).
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset

    text = str(location)
    parts = urlsplit(text)
    if not parts.scheme or len(parts.scheme) == 1 or parts.scheme == "file":
        # A plain path (a Windows drive letter reads as a one-letter scheme), or file://.
        path = parts.path if parts.scheme == "file" else text
        return Dataset(namespace="file", name=os.path.abspath(path))
    if parts.scheme in ("http", "https"):
        return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path or "/")
    return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path.lstrip("/"))


def service_object_dataset(base_url: str, path: str) -> Dataset:
    """
    An object of a service's API (an audioform, a media): namespace the API's ``scheme://host``,
    name the object's path under the API's base path.

    :param base_url: the connection's base URL (``https://api.aiozstream.network/api``).
    :param path: the object's path under it (``media/<id>``).
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parts = urlsplit(base_url)
    return Dataset(
        namespace=f"{parts.scheme}://{parts.netloc}", name=f"{parts.path.rstrip('/')}/{path.lstrip('/')}"
    )


class AudioLineageMixin:
    """
    ``get_openlineage_facets_on_complete`` from what the task returned, and the Assets of its
    ``inlets`` (the article a build narrates...) among the inputs. A subclass implements
    :meth:`lineage`, which is called when the task finishes (in ``execute_complete``, the one end
    of every path, a deferred one included) while the task can still reach its connections; the
    OpenLineage listener then reads the stored answer without any call (it runs in a forked
    process with a time limit, where the task's channel to Airflow is not to be used).
    """

    log: Any
    inlets: list[Any]
    _lineage: tuple[list[Any], list[Any], dict[str, Any]] | None = None

    def lineage(self, result: dict[str, Any]) -> tuple[list[Dataset], list[Dataset], dict[str, Any]]:
        """``(inputs, outputs, run facets)`` of a task that returned ``result``."""
        raise NotImplementedError

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        result = super().execute_complete(context, event)  # type: ignore[misc]
        if isinstance(result, dict) and importlib.util.find_spec("airflow.providers.openlineage"):
            try:
                inputs, outputs, facets = self.lineage(result)
                self._lineage = ([*inputs, *declared_datasets(self.inlets)], outputs, facets)
            except Exception as error:
                # Lineage is a report on the task, never a reason to fail it.
                self.log.warning("OpenLineage: could not name what this task read and made: %s", error)
        return result

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage[Any, Any] | None:
        """What this task read and made, for the OpenLineage provider (called after a success)."""
        from airflow.providers.openlineage.extractors import OperatorLineage

        if self._lineage is None:
            return None
        inputs, outputs, run_facets = self._lineage
        return OperatorLineage(inputs=inputs, outputs=outputs, run_facets=run_facets)


def declared_datasets(assets: list[Any]) -> list[Dataset]:
    """The datasets of the Assets a task declares (its ``inlets``), as the OpenLineage provider
    names them; anything it cannot name is left out."""
    from airflow.providers.openlineage.utils.utils import translate_airflow_asset
    from airflow.sdk import Asset

    named = (translate_airflow_asset(asset, None) for asset in assets if isinstance(asset, Asset))
    return [dataset for dataset in named if dataset is not None]


def external_job_facet(job_id: str, source: str) -> dict[str, Any]:
    """The run facet naming the service's own job behind the task (``externalQuery``)."""
    from airflow.providers.common.compat.openlineage.facet import ExternalQueryRunFacet

    return {"externalQuery": ExternalQueryRunFacet(externalQueryId=job_id, source=source)}
