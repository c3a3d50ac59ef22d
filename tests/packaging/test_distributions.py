"""The two distributions of this repository, built and installed as a user would, each into a fresh venv.

- The provider's wheel holds no sandbox module; installed with Airflow alone, ``airflow providers
  list`` shows it.
- The sandbox installs without the provider (and without Airflow) and serves on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
AIRFLOW = "apache-airflow>=3.3.2,<3.4"


def uv(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(UV), *map(str, args)], capture_output=True, text=True, timeout=600, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def fresh_venv(path: Path, *requirements: str | Path) -> Path:
    """A new venv at ``path`` holding only ``requirements`` (and what they need); its python."""
    uv("venv", "--quiet", "--python", sys.executable, path)
    python = path / "bin" / "python"
    uv("pip", "install", "--quiet", "--python", python, *requirements)
    return python


@pytest.fixture(scope="module")
def provider_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    uv("build", "--wheel", "--quiet", "--out-dir", out, REPO)
    (wheel,) = out.glob("airflow_provider_audio-*.whl")
    return wheel


def test_the_provider_wheel_holds_no_sandbox(provider_wheel: Path) -> None:
    names = zipfile.ZipFile(provider_wheel).namelist()
    modules = [name for name in names if name.endswith(".py")]
    assert any(name.startswith("airflow_provider_audio/operators/") for name in modules)
    assert [name for name in modules if "sandbox" in name] == []
    assert all(name.startswith("airflow_provider_audio/") for name in modules)


def test_the_provider_wheel_installs_into_a_fresh_airflow_and_is_listed(
    provider_wheel: Path, tmp_path: Path
) -> None:
    python = fresh_venv(tmp_path / "venv", provider_wheel, AIRFLOW)
    env = {"PATH": os.environ["PATH"], "AIRFLOW_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)}
    listed = subprocess.run(
        [str(python.with_name("airflow")), "providers", "list"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=True,
    ).stdout
    assert "airflow-provider-audio" in listed
    sandbox_import = subprocess.run(
        [str(python), "-c", "import audio_sandbox"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert sandbox_import.returncode != 0, "the provider alone must not bring the sandbox"


@pytest.fixture
def lone_sandbox(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The sandbox installed on its own into a fresh venv and started there."""
    python = fresh_venv(tmp_path / "venv", REPO / "sandbox")
    process = subprocess.Popen(
        [str(python), "-m", "audio_sandbox", "--port", "0", "--api-key", "lone-key"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "audio sandbox listening on http://127.0.0.1:" in line, line
        yield python, line[line.index("http://") :].strip()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_sandbox_installs_and_serves_on_its_own(lone_sandbox: tuple[Path, str]) -> None:
    python, url = lone_sandbox
    outside_the_repo = python.parent.parent
    answer = requests.get(
        f"{url}/audiostack/files/file-categories", headers={"x-api-key": "lone-key"}, timeout=10
    )
    assert answer.status_code == 200
    for module in ("airflow_provider_audio", "airflow"):
        found = subprocess.run(
            [str(python), "-c", f"import {module}"], capture_output=True, cwd=outside_the_repo, check=False
        )
        assert found.returncode != 0, f"{module} must not come with the sandbox"
