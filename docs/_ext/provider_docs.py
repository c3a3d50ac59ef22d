"""
Sphinx helpers of the provider's docs.

- ``provider-modules``: the reference of every public module of a subpackage (one section and one
  ``automodule`` each), so a new module is documented without editing a page;
- ``connection-fields``: a connection type's form fields as a table, read from
  ``airflow_provider_audio.connection_forms`` (what Airflow's form shows and the hooks read), so the
  page cannot drift from the form; ``limits`` gives the client limits every type has;
- ``connection-form``: the screenshots of an Add Connection form found under ``docs/images/``
  (those whose name holds the connection type, or, without an argument, every one not shown yet);
  nothing when there is none, so the site builds before the pictures land;
- a check, when the build ends reading, that every public class of the provider's operators,
  hooks, triggers, sensors and transfers is in the reference; a missing one is a warning, which
  ``make docs`` (``-W``) turns into a failed build.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

PACKAGE = "airflow_provider_audio"
#: The subpackages whose every public class must appear in the reference.
REFERENCED = ("operators", "hooks", "triggers", "sensors", "transfers")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


def public_modules(package: str) -> list[str]:
    """The public modules of ``package`` (``a.b.c``), sorted."""
    module = importlib.import_module(package)
    return sorted(
        f"{package}.{info.name}"
        for info in pkgutil.iter_modules(module.__path__)
        if not info.name.startswith("_")
    )


def public_classes(module_name: str) -> list[str]:
    """The full names of the public classes ``module_name`` defines (not those it imports)."""
    module = importlib.import_module(module_name)
    return [
        f"{module_name}.{name}"
        for name, value in vars(module).items()
        if inspect.isclass(value) and value.__module__ == module_name and not name.startswith("_")
    ]


class ProviderModules(SphinxDirective):
    """
    ``.. provider-modules:: airflow_provider_audio.operators``: a section per public module.

    Its sections are reST: use it in a ``.rst`` page.
    """

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        lines: list[str] = []
        for module in public_modules(self.arguments[0]):
            title = f"``{module.rpartition('.')[2]}``"
            lines += [title, "-" * len(title), "", f".. automodule:: {module}", ""]
        return self.parse_text_to_nodes("\n".join(lines), allow_section_headings=True)


def _cell(*parts: nodes.Node | str) -> nodes.entry:
    paragraph = nodes.paragraph()
    for part in parts:
        paragraph += nodes.Text(part) if isinstance(part, str) else part
    return nodes.entry("", paragraph)


def _table(headers: list[str], widths: list[int], rows: list[list[nodes.entry]]) -> nodes.table:
    group = nodes.tgroup(cols=len(headers))
    group += [nodes.colspec(colwidth=width) for width in widths]
    group += nodes.thead("", nodes.row("", *(_cell(header) for header in headers)))
    group += nodes.tbody("", *(nodes.row("", *row) for row in rows))
    return nodes.table("", group)


def _literal(value: object) -> nodes.literal:
    text = value if isinstance(value, str) else json.dumps(value)
    return nodes.literal(text, text)


class ConnectionFields(SphinxDirective):
    """
    ``.. connection-fields:: audiostack``: the base URL, key and extras of that type's form;
    ``.. connection-fields:: limits``: the client limits every type's form shows.
    """

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from airflow_provider_audio.connection_forms import (
            CLIENT_LIMIT_FIELDS,
            CONNECTION_FORMS,
            ExtraField,
        )

        name = self.arguments[0]
        headers = ["form field", "stored as", "default", "allowed values", "what it is"]
        rows: list[list[nodes.entry]] = []
        fields: tuple[ExtraField, ...]
        if name == "limits":
            fields = CLIENT_LIMIT_FIELDS
        elif name in CONNECTION_FORMS:
            form = CONNECTION_FORMS[name]
            fields = form.fields
            rows.append(
                [
                    _cell("Base URL"),
                    _cell(_literal("host")),
                    _cell(_literal(form.default_base_url)),
                    _cell("a URL, or a host name (HTTPS)"),
                    _cell("Empty for the service itself; another base URL (a sandbox, a staging server)."),
                ]
            )
            rows.append(
                [
                    _cell(form.key_label),
                    _cell(_literal("password")),
                    _cell(""),
                    _cell(""),
                    _cell(form.key_placeholder[:1].upper() + form.key_placeholder[1:] + "."),
                ]
            )
        else:
            raise self.error(f"unknown connection type {name!r}; known: {sorted(CONNECTION_FORMS)}, limits")
        for field in fields:
            allowed: list[nodes.Node | str] = []
            for index, choice in enumerate(field.choices):
                allowed += ([", "] if index else []) + [_literal(choice)]
            if not field.choices and field.minimum is not None:
                allowed.append(f">= {field.minimum:g}")
            if not field.choices and field.exclusive_minimum is not None:
                allowed.append(f"> {field.exclusive_minimum:g}")
            rows.append(
                [
                    _cell(field.label + (" (required)" if field.required else "")),
                    _cell(_literal(f"extra.{field.name}")),
                    _cell(_literal(field.default) if field.default is not None else ""),
                    _cell(*allowed),
                    _cell(field.description),
                ]
            )
        return [_table(headers, [14, 16, 14, 14, 42], rows)]


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


class ConnectionForm(SphinxDirective):
    """
    ``.. connection-form:: audiostack``: the screenshots under ``docs/images/`` whose file name holds
    the connection type (any case, punctuation ignored); without an argument, every picture there
    that this page has not shown yet.
    """

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        images = Path(self.env.srcdir) / "images"
        # Shortest name first: "connection-form-audiostack" before "connection-form-audiostack-extra".
        found = sorted(
            (path for path in images.rglob("*") if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES),
            key=lambda path: (len(path.stem), path.name),
        )
        # What this page has shown (temp_data lives while one document is read).
        shown: set[str] = self.env.temp_data.setdefault("connection_forms_shown", set())  # type: ignore[assignment]
        wanted = _normalized(self.arguments[0]) if self.arguments else None
        figures: list[nodes.Node] = []
        for path in found:
            relative = path.relative_to(self.env.srcdir).as_posix()
            if relative in shown or (wanted is not None and wanted not in _normalized(path.stem)):
                continue
            shown.add(relative)
            caption = path.stem.replace("-", " ").replace("_", " ")
            # Built as nodes, not as markup: the page may be Markdown or reST. A leading "/" is
            # relative to the docs folder, as in an image directive.
            figure = nodes.figure("", nodes.image(uri=f"/{relative}", alt=caption))
            figure += nodes.caption(caption, caption)
            figures.append(figure)
        return figures


def check_reference(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn about every public operator, hook, trigger, sensor or transfer class not documented."""
    documented = env.get_domain("py").objects  # type: ignore[attr-defined]
    missing = [
        name
        for sub in REFERENCED
        for module in public_modules(f"{PACKAGE}.{sub}")
        for name in public_classes(module)
        if name not in documented
    ]
    for name in missing:
        logger.warning("the reference does not document %s (a public class)", name, type="provider_docs")
    if not missing:
        logger.info("reference: every public class of %s is documented", ", ".join(REFERENCED))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("provider-modules", ProviderModules)
    app.add_directive("connection-fields", ConnectionFields)
    app.add_directive("connection-form", ConnectionForm)
    app.connect("env-check-consistency", check_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
