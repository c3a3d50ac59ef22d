"""
AudioStack scripts (classic pipeline): the section markup and the versions of a script.

A script's text splits into sections written as ``<as:section name="intro">...</as:section>``;
text without that markup is one section named ``default``. Markup that does not parse (an
unclosed or nested section, a section without a name, text between sections) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SECTION = "default"
DEFAULT_NAME = "default"
FIRST_VERSION = "1"

_TAG = re.compile(r"<(/?)as:section\b([^>]*)>")
_NAME = re.compile(r"""^\s*name\s*=\s*(?:"([^"]*)"|'([^']*)')\s*$""")
_ANY_TAG = re.compile(r"<[^>]*>")


class ScriptMarkupError(ValueError):
    """``scriptText`` has section markup that does not parse; the message says where."""


@dataclass(frozen=True)
class Section:
    """
    One section of a script.

    :param name: its ``name`` attribute (``default`` without markup).
    :param content: its text, markup inside it included.
    """

    name: str
    content: str

    @property
    def spoken_text(self) -> str:
        """What text to speech reads: the content without any tags."""
        return " ".join(_ANY_TAG.sub(" ", self.content).split())

    def as_dict(self) -> dict[str, str]:
        return {"sectionName": self.name, "content": self.content}


def parse_sections(text: str) -> list[Section]:
    """
    The sections of ``text``.

    :raises ScriptMarkupError: when the markup is malformed.
    """
    if "as:section" not in text:
        return [Section(DEFAULT_SECTION, text.strip())]
    sections: list[Section] = []
    position = 0
    open_name: str | None = None
    open_end = 0
    for tag in _TAG.finditer(text):
        closing, attributes = tag.group(1) == "/", tag.group(2)
        between = text[position : tag.start()] if open_name is None else ""
        if between.strip():
            raise ScriptMarkupError(
                f"text outside a section at character {position}: {between.strip()[:30]!r}"
            )
        if closing:
            if open_name is None:
                raise ScriptMarkupError(f"</as:section> at character {tag.start()} closes no section")
            content = text[open_end : tag.start()].strip()
            if not content:
                raise ScriptMarkupError(f"section {open_name!r} is empty")
            sections.append(Section(open_name, content))
            open_name = None
        else:
            if open_name is not None:
                raise ScriptMarkupError(
                    f"section {open_name!r} is not closed before the next <as:section> at character "
                    f"{tag.start()}"
                )
            open_name = _section_name(attributes, tag.start())
            if any(section.name == open_name for section in sections):
                raise ScriptMarkupError(f"section name {open_name!r} is used twice")
            open_end = tag.end()
        position = tag.end()
    if open_name is not None:
        raise ScriptMarkupError(f"section {open_name!r} is not closed with </as:section>")
    if text[position:].strip():
        raise ScriptMarkupError(f"text outside a section after character {position}")
    if text.count("as:section") != 2 * len(sections):
        raise ScriptMarkupError("a <as:section> tag is malformed (an unterminated or misspelt tag)")
    return sections


def _section_name(attributes: str, at: int) -> str:
    match = _NAME.match(attributes)
    name = (match.group(1) if match.group(1) is not None else match.group(2)) if match else None
    if not name or not name.strip():
        raise ScriptMarkupError(f'the section at character {at} needs a non-empty name="..." attribute')
    return name


@dataclass
class ScriptVersion:
    """
    A version of a script's text.

    :param text: ``scriptText`` as sent.
    :param sections: its sections.
    """

    text: str
    sections: list[Section]


@dataclass
class Script:
    """
    A script in a project and module.

    :param script_id: its id.
    :param project_name: the project it lives in.
    :param module_name: the module within the project.
    :param script_name: its name within the module.
    :param metadata: free key/values, as sent.
    :param versions: its versions by name.
    :param current: the version read when none is named.
    """

    script_id: str
    project_name: str
    module_name: str
    script_name: str
    metadata: dict[str, Any]
    versions: dict[str, ScriptVersion] = field(default_factory=dict)
    current: str = FIRST_VERSION

    def version(self, name: str | None = None) -> ScriptVersion | None:
        """A version by name, the current one when ``name`` is ``None``."""
        return self.versions.get(self.current if name is None else name)

    def write(self, text: str, sections: list[Section], version: str | None) -> str:
        """Replace the current version's text, or write (and switch to) the named version."""
        name = self.current if version is None else version
        self.versions[name] = ScriptVersion(text, sections)
        self.current = name
        return name

    def as_dict(self, version: str | None = None) -> dict[str, Any]:
        """The script as AudioStack answers it (one version: the current one by default)."""
        name = self.current if version is None else version
        chosen = self.versions[name]
        return {
            "scriptId": self.script_id,
            "projectName": self.project_name,
            "moduleName": self.module_name,
            "scriptName": self.script_name,
            "scriptText": chosen.text,
            "sections": [section.as_dict() for section in chosen.sections],
            "version": name,
            "versions": list(self.versions),
            "metadata": self.metadata,
        }
