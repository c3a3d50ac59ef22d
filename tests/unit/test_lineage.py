"""Dataset names of the provider's OpenLineage facets, by OpenLineage's naming conventions."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("airflow.providers.openlineage", reason="the [openlineage] extra is not installed")

from airflow_provider_audio.lineage import location_dataset, service_object_dataset


@pytest.mark.parametrize(
    ("location", "namespace", "name"),
    [
        ("/data/audio/a.wav", "file", "/data/audio/a.wav"),
        ("file:///data/audio/a.wav", "file", "/data/audio/a.wav"),
        ("s3://bucket/audio/a.wav", "s3://bucket", "audio/a.wav"),
        ("gs://bucket/a.wav", "gs://bucket", "a.wav"),
        # A delivered file's signed URL: the signature is no part of the dataset's name.
        (
            "https://cdn.example.com:8443/d/a.wav?X-Amz-Signature=abc",
            "https://cdn.example.com:8443",
            "/d/a.wav",
        ),
        (
            "http://127.0.0.1:8765/audiostack/delivery/x.wav",
            "http://127.0.0.1:8765",
            "/audiostack/delivery/x.wav",
        ),
    ],
)
def test_location_dataset(location: str, namespace: str, name: str) -> None:
    dataset = location_dataset(location)
    assert (dataset.namespace, dataset.name) == (namespace, name)


def test_a_relative_path_is_named_absolute() -> None:
    assert location_dataset("a.wav").name == os.path.abspath("a.wav")


@pytest.mark.parametrize(
    ("base_url", "path", "namespace", "name"),
    [
        (
            "https://api.aiozstream.network/api",
            "media/m-1",
            "https://api.aiozstream.network",
            "/api/media/m-1",
        ),
        ("https://v2.api.audio", "audioforms/af-1", "https://v2.api.audio", "/audioforms/af-1"),
        (
            "http://127.0.0.1:8765/aiozstream/api/",
            "media/m-1",
            "http://127.0.0.1:8765",
            "/aiozstream/api/media/m-1",
        ),
    ],
)
def test_service_object_dataset(base_url: str, path: str, namespace: str, name: str) -> None:
    dataset = service_object_dataset(base_url, path)
    assert (dataset.namespace, dataset.name) == (namespace, name)
