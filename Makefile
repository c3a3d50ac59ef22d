# Each target builds its own .venv (Python 3.11, Airflow 3.3.x) on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The Airflow line CI runs: the newest 3.3.x (pyproject.toml declares the tested floor).
AIRFLOW_SPEC ?= apache-airflow>=3.3.2,<3.4

.PHONY: install demo test lint typecheck docs browser distributed screenshots bench bench-archive clean

$(STAMP): pyproject.toml sandbox/pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e ./sandbox -e ".[dev]" "$(AIRFLOW_SPEC)"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m dags_examples.demo

lint: $(STAMP)
	$(BIN)/ruff check airflow_provider_audio dags_examples tests bench sandbox docs
	$(BIN)/ruff format --check airflow_provider_audio dags_examples tests bench sandbox docs

typecheck: $(STAMP)
	$(BIN)/mypy

# The documentation site (Sphinx) into docs/_build/html, built afresh with warnings as errors; the
# reference is generated from the docstrings and the build fails if a public operator, hook,
# trigger, sensor or transfer class is missing from it (docs/_ext/provider_docs.py).
docs: $(STAMP)
	rm -rf docs/_build/html
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

# Headless Chromium and chromedriver (Debian packages) for tests/browser, installed when missing and
# root or a password-less sudo can; without them the browser tests skip, saying what is missing.
browser:
	bash scripts/setup-browser.sh

# PostgreSQL's server and Redis (Debian packages) for tests/distributed (CeleryExecutor, two workers),
# installed when missing and root or a password-less sudo can; without them those tests skip, saying
# what is missing. The tests start their own servers on free ports and stop them.
distributed:
	bash scripts/setup-distributed.sh

# The provider's tests, then the sandbox's own (a project of its own, with its own pytest settings).
test: lint typecheck docs browser distributed
	$(BIN)/pytest -q -p no:cacheprovider
	cd sandbox && ../$(BIN)/pytest -q -p no:cacheprovider

# The screenshots of docs/images/, taken by the browser tests: the connection forms on a real
# api-server, and a deferred build's log on a whole Airflow stack (about 90 s; not run by make test).
screenshots: $(STAMP) browser
	AUDIO_UI_SCREENSHOTS=docs/images $(BIN)/pytest -q -p no:cacheprovider tests/browser/test_connection_forms.py tests/browser/test_task_log.py

# Every benchmark against the sandbox on 127.0.0.1 (about a quarter of an hour on 2 cores);
# figures and targets land in bench/RESULTS.md, scratch files in bench/out/.
bench: $(STAMP)
	$(BIN)/python -m bench.run_all --out bench/RESULTS.md

# The archive benchmark (issue 16): 10,000 articles through archive_to_stream on the distributed
# stack (CeleryExecutor, PostgreSQL, Redis) at AIOZ's rate limits per 6 s window, beside the
# per-article mapping; about half an hour on 2 cores. Its section and targets land in
# bench/results/archive.json, which `make bench` puts into bench/RESULTS.md.
bench-archive: $(STAMP) distributed
	$(BIN)/python -m bench.archive --json bench/results/archive.json --out bench/results/archive.md

clean:
	rm -rf $(VENV) .airflow-test .demo
