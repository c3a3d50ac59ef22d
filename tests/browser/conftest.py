"""
Airflow's own UI as a user meets it: a real api-server (SimpleAuthManager, an ``AIRFLOW_HOME`` and
SQLite database of its own, on 127.0.0.1) and, for the browser tests, headless Chromium driven
through chromedriver.

Chromium and chromedriver are Debian packages that ``make browser`` (``scripts/setup-browser.sh``,
run by ``make test``) installs; where they are missing the browser tests skip, naming what is missing.
They are always given to Selenium by path, so Selenium Manager never tries to download a browser.
Everything started here is stopped once the package's tests are done (the api-server's whole process
group, chromedriver and its Chromium), not left running through the rest of the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from tests.conftest import REPO
from tests.scheduler.conftest import ADMIN_USER, AIRFLOW, AirflowStack, clean_env, free_port

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

#: Bounds on getting the api-server up: ``db migrate`` (about 4 s), then the server answering (about 8 s).
MIGRATE_TIMEOUT = 120.0
API_READY_TIMEOUT = 90.0
#: Chromium's window: wide enough for the dialog, tall enough for every field of a section.
WINDOW_SIZE = "1280,1500"
#: Where the form screenshots go when ``AUDIO_UI_SCREENSHOTS`` is not set (``make screenshots`` sets
#: it to docs/images/).
SCREENSHOTS_ENV = "AUDIO_UI_SCREENSHOTS"


def api_server_env(home: Path, api_port: int) -> dict[str, str]:
    """The api-server's environment: nothing inherited from the session's ``AIRFLOW*`` settings."""
    api_url = f"http://127.0.0.1:{api_port}"
    secret = secrets.token_urlsafe(64)
    (home / "dags").mkdir()
    env = clean_env()
    env.update(
        {
            "PATH": f"{AIRFLOW.parent}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_COLOR": "1",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__BASE_URL": api_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__API_AUTH__JWT_SECRET": secret,
            "AIRFLOW__API__SECRET_KEY": secret,
        }
    )
    return env


@pytest.fixture(scope="package")
def airflow_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowStack]:
    """A migrated database and an api-server serving the UI and the REST API, ``admin`` able to log in."""
    home = tmp_path_factory.mktemp("airflow-ui")
    api_port = free_port()
    stack = AirflowStack(
        home=home, env=api_server_env(home, api_port), api_url=f"http://127.0.0.1:{api_port}"
    )
    (home / "passwords.json").write_text(json.dumps({ADMIN_USER: stack.admin_password}))
    try:
        stack.airflow("db", "migrate", timeout=MIGRATE_TIMEOUT)
        stack.start(
            "api-server", [str(AIRFLOW), "api-server", "--host", "127.0.0.1", "--port", str(api_port)]
        )
        deadline = time.monotonic() + API_READY_TIMEOUT
        while True:
            stack.check_alive()
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{stack.api_url}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"the api-server did not answer within {API_READY_TIMEOUT:.0f} s")
            time.sleep(0.25)
        yield stack
    except BaseException:
        print(stack.diagnostics())
        raise
    finally:
        survivors = stack.stop_all()
        assert not survivors, f"processes outlived SIGKILL: {survivors}"


@pytest.fixture(scope="package")
def api_token(airflow_ui: AirflowStack) -> str:
    """A JWT of ``admin`` for the REST API."""
    return airflow_ui.api_token()


def browser_binaries() -> tuple[str, str]:
    """Chromium and chromedriver, or a skip that names what is missing and how to install it."""
    found = {name: shutil.which(name) for name in ("chromium", "chromedriver")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not installed: `make browser` installs the Debian packages chromium "
            "and chromium-driver (as root or with a password-less sudo)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium not installed: pip install -e '.[dev]'")
    return str(found["chromium"]), str(found["chromedriver"])


@pytest.fixture(scope="package")
def browser() -> Iterator[WebDriver]:
    """Headless Chromium, through chromedriver (both on 127.0.0.1, both stopped at the end)."""
    chromium, chromedriver = browser_binaries()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        # Root in a container: Chromium's own sandbox needs user namespaces it may not have.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--no-first-run",
        f"--window-size={WINDOW_SIZE}",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="package")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the form screenshots go: ``$AUDIO_UI_SCREENSHOTS`` (relative to the repository), or a
    temporary folder."""
    chosen = os.environ.get(SCREENSHOTS_ENV)
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    path = Path(chosen) if Path(chosen).is_absolute() else REPO / chosen
    path.mkdir(parents=True, exist_ok=True)
    return path
