"""Sphinx configuration of the provider's documentation site (``make docs``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(DOCS / "_ext"))

# autodoc imports the provider, which imports Airflow: give it a home of its own inside the build
# folder, so that building the docs never writes to ~/airflow or to the tests' database.
_AIRFLOW_HOME = DOCS / "_build" / "airflow-home"
_AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}")

from airflow_provider_audio import __version__  # noqa: E402

project = "airflow-provider-audio"
author = "The airflow-provider-audio developers"
copyright = "the airflow-provider-audio developers; Apache License 2.0"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "provider_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# images/ holds pictures only (shown by the connection-form directive), never pages.
exclude_patterns = ["_build", "_ext", "images", "Thumbs.db", ".DS_Store"]

# Markdown: the guides and the included files (the bad-input catalogue, the fault table, the
# benchmark results, the changelog) are MyST; headings get anchors for links within a page.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# The reference is generated from the docstrings (``:param x:`` fields, reST markup).
autodoc_default_options = {"members": True, "show-inheritance": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_inherit_docstrings = False

html_theme = "furo"
html_title = f"airflow-provider-audio {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
