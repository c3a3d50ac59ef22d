"""
AudioStack's voice and sound template libraries: the names an input gives them, checked against
the service's own lists before a billed submit.

AudioStack accepts (and bills) an audioform naming a voice or a sound template it does not have,
builds it, and only then reports the name in ``data.errors`` of an HTTP 200. Its two lists are
free reads, so an operator reads each at most once per task (the hook keeps what it read) and
refuses an unknown name first:

- voices: ``GET /speech/voice`` -> ``data.voices[].alias`` (official SDK 4.0.0 ``Voice.list``);
- sound templates: ``GET /production/sound/template`` -> ``data.templates[].soundTemplateId``
  (``Sound.Template.list``). That key holds the name an audioform's ``soundTemplateAlias`` gives:
  the vendor's fixtures write one template as ``soundTemplateAlias`` in format "1" and as
  ``soundTemplateId: "soiree_a_illange"`` (a name, not a uuid) in format "0.0.1"
  (audiostack-python ``tests/audioform/test_audioform.py``), its list test hands a listed
  ``soundTemplateId`` on as a template (``tests/production/test_sound.py``), and templates are
  created, deleted and mixed by name (``templateName``, ``soundTemplate``).

Names are compared regardless of case: the vendor writes one voice as "Isaac" and "isaac" (its
README) and another as "Sara" and "sara" (its tests), so a check that minded case could refuse a
name the service takes. A list this account cannot read (HTTP 403 or 404), or an answer holding
no names, skips its check with a warning: the build still reports an unknown name, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

from airflow_provider_audio.client.routes import audiostack as routes
from airflow_provider_audio.client.service import Endpoint
from airflow_provider_audio.exceptions import AudioInputError, AudioServiceError
from airflow_provider_audio.hooks.base import AudioServiceHook
from airflow_provider_audio.models.audioform import Audioform, SoundTemplateAsset, TtsAsset, VoiceAsset
from airflow_provider_audio.models.audiostack_creator import BriefRequest
from airflow_provider_audio.models.validation import format_path

#: Answers of a list route that mean this account has no such list (not a wrong key: 401 raises).
UNLISTED_STATUSES: Final = frozenset({403, 404})
#: How many allowed names a refusal shows.
SHOWN_NAMES: Final = 12


@dataclass(frozen=True)
class Library:
    """
    One of AudioStack's libraries, as its list route answers.

    :param kind: what one of its items is called in messages (``voice``).
    :param endpoint: its list route.
    :param list_key: the key under ``data`` holding the items.
    :param name_key: the key of an item holding the name an input gives it.
    """

    kind: str
    endpoint: Endpoint
    list_key: str
    name_key: str

    @property
    def route(self) -> str:
        """``GET /speech/voice``."""
        return f"{self.endpoint.method} {self.endpoint.route}"


VOICES: Final = Library("voice", routes.LIST_VOICES, "voices", "alias")
SOUND_TEMPLATES: Final = Library(
    "sound template", routes.LIST_SOUND_TEMPLATES, "templates", "soundTemplateId"
)


@dataclass(frozen=True)
class LibraryReference:
    """
    A name an input gives an item of one of AudioStack's libraries.

    :param path: where the input gives it (``assets.narrator.voiceAlias``).
    :param name: the name given.
    """

    path: str
    name: str


@dataclass(frozen=True)
class LibraryReferences:
    """
    Every voice and sound template an input names.

    :param voices: the voices named.
    :param sound_templates: the sound templates named.
    """

    voices: tuple[LibraryReference, ...] = ()
    sound_templates: tuple[LibraryReference, ...] = ()

    def __add__(self, other: LibraryReferences) -> LibraryReferences:
        return LibraryReferences(self.voices + other.voices, self.sound_templates + other.sound_templates)

    def under(self, prefix: str) -> LibraryReferences:
        """The same references, their paths inside ``prefix`` (``items[0] (ep-1).audioform``)."""

        def moved(references: tuple[LibraryReference, ...]) -> tuple[LibraryReference, ...]:
            return tuple(LibraryReference(f"{prefix}.{ref.path}", ref.name) for ref in references)

        return LibraryReferences(moved(self.voices), moved(self.sound_templates))


def audioform_references(audioform: Audioform) -> LibraryReferences:
    """The voices (``voice`` assets' ``voiceAlias``, ``tts`` assets' ``voice``) and sound templates
    (``soundTemplate`` assets' ``soundTemplateAlias``) an audioform names."""
    voices: list[LibraryReference] = []
    templates: list[LibraryReference] = []
    for name, asset in audioform.assets.items():
        if isinstance(asset, VoiceAsset) and asset.voice_alias:
            voices.append(LibraryReference(format_path(["assets", name, "voiceAlias"]), asset.voice_alias))
        elif isinstance(asset, TtsAsset) and asset.voice:
            voices.append(LibraryReference(format_path(["assets", name, "voice"]), asset.voice))
        elif isinstance(asset, SoundTemplateAsset) and asset.sound_template_alias:
            path = format_path(["assets", name, "soundTemplateAlias"])
            templates.append(LibraryReference(path, asset.sound_template_alias))
    return LibraryReferences(tuple(voices), tuple(templates))


def brief_references(request: BriefRequest) -> LibraryReferences:
    """The voices (``voices[].alias``) and sound designs (``sounds.soundDesign[].alias``, sound
    templates) a brief names; a brief given as a file names none this side can read."""
    brief = request.brief
    if brief is None:
        return LibraryReferences()
    voices = tuple(
        LibraryReference(format_path(["brief", "voices", index, "alias"]), voice.alias)
        for index, voice in enumerate(brief.voices or [])
    )
    designs = (brief.sounds or {}).get("soundDesign")
    # The vendor's own brief test sends ``"alias": None`` (AudioStack picks): only names are checked.
    templates = tuple(
        LibraryReference(format_path(["brief", "sounds", "soundDesign", index, "alias"]), design["alias"])
        for index, design in enumerate(designs if isinstance(designs, list) else [])
        if isinstance(design, Mapping) and isinstance(design.get("alias"), str) and design["alias"].strip()
    )
    return LibraryReferences(voices, templates)


def unlisted_problem(library: Library, reference: LibraryReference, listed: tuple[str, ...]) -> str:
    """The refusal of a name ``listed`` does not hold: the field, the name, and the allowed names."""
    shown = ", ".join(repr(name) for name in listed[:SHOWN_NAMES])
    which = f"the first {SHOWN_NAMES}, sorted" if len(listed) > SHOWN_NAMES else "sorted"
    return (
        f"{reference.path}: {reference.name!r} is not one of the {len(listed)} {library.kind}s "
        f"AudioStack lists for this account ({library.route}); allowed values ({which}): {shown}"
    )


class AudioStackLibraryMixin(AudioServiceHook):
    """The voice and sound template lists of ``AudioStackHook``, each read at most once per hook."""

    @cached_property
    def _listings(self) -> dict[str, tuple[str, ...] | None]:
        return {}

    def voice_aliases(self) -> tuple[str, ...] | None:
        """The voice aliases AudioStack lists for this account, sorted; ``None`` when it lists none
        this account can read (a warning says why)."""
        return self._listed(VOICES)

    def sound_template_aliases(self) -> tuple[str, ...] | None:
        """The sound template names AudioStack lists for this account, sorted; ``None`` when it lists
        none this account can read (a warning says why)."""
        return self._listed(SOUND_TEMPLATES)

    def check_library_names(self, subject: str, references: LibraryReferences) -> None:
        """
        Refuse every name AudioStack does not list; a list is read only when a name needs it.

        :param subject: what was checked, for the error (``audioform``, ``batch``...).
        :param references: the names the input gives.
        :raises AudioInputError: one line per unlisted name, with its path and the allowed names.
        """
        problems = [
            *self._unlisted(VOICES, references.voices),
            *self._unlisted(SOUND_TEMPLATES, references.sound_templates),
        ]
        if problems:
            raise AudioInputError(subject, problems)

    def _unlisted(self, library: Library, references: tuple[LibraryReference, ...]) -> list[str]:
        if not references:
            return []
        listed = self._listed(library)
        if listed is None:
            return []
        known = {name.casefold() for name in listed}
        return [
            unlisted_problem(library, reference, listed)
            for reference in references
            if reference.name.casefold() not in known
        ]

    def _listed(self, library: Library) -> tuple[str, ...] | None:
        if library.kind not in self._listings:
            self._listings[library.kind] = self._read_list(library)
        return self._listings[library.kind]

    def _read_list(self, library: Library) -> tuple[str, ...] | None:
        try:
            body = self.get_conn().call(library.endpoint).body
        except AudioServiceError as error:
            if error.status not in UNLISTED_STATUSES:
                raise
            self.log.warning(
                "AudioStack answered %s with HTTP %s (%s): this account cannot list its %ss, so the %s "
                "names are not checked before paying; the build will report one it does not have",
                library.route,
                error.status,
                error.api_message,
                library.kind,
                library.kind,
            )
            return None
        names = _names(body, library)
        if not names:
            self.log.warning(
                "AudioStack answered %s without any %s name under data.%s[].%s, so the %s names are "
                "not checked before paying",
                library.route,
                library.kind,
                library.list_key,
                library.name_key,
                library.kind,
            )
            return None
        self.log.info("AudioStack lists %d %ss (%s)", len(names), library.kind, library.route)
        return names


def _names(body: Any, library: Library) -> tuple[str, ...]:
    data = body.get("data") if isinstance(body, Mapping) else None
    items = data.get(library.list_key) if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        return ()
    names = {
        item[library.name_key]
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get(library.name_key), str)
    }
    return tuple(sorted(names, key=str.casefold))
