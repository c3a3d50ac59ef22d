"""AudioStack's voice and sound template lists through the hook: against the live sandbox, and
against a server whose account has no such lists (403, 404)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

from airflow_provider_audio.exceptions import AudioInputError, AudioServiceAuthError
from airflow_provider_audio.hooks.audiostack import AudioStackHook
from airflow_provider_audio.hooks.audiostack_library import (
    SHOWN_NAMES,
    VOICES,
    LibraryReference,
    LibraryReferences,
    unlisted_problem,
)
from tests.conftest import SANDBOX_KEY
from tests.integration.conftest import FAST_RETRIES, WRONG_KEY, HookFactory, SandboxAdmin, set_connection

if TYPE_CHECKING:
    from audio_sandbox.core.server import SandboxServer

LIST_VOICES = "GET /audiostack/speech/voice"
LIST_SOUND_TEMPLATES = "GET /audiostack/production/sound/template"


def names(*pairs: tuple[str, str]) -> tuple[LibraryReference, ...]:
    return tuple(LibraryReference(path, name) for path, name in pairs)


def test_the_lists_are_the_sandbox_s_sorted_and_read_once_per_hook(
    audiostack_conn: str, admin: SandboxAdmin, make_hook: HookFactory
) -> None:
    from audio_sandbox import SANDBOX_VOICES
    from audio_sandbox.audiostack.audioform import SANDBOX_SOUND_TEMPLATES

    hook = make_hook(AudioStackHook, audiostack_conn)
    assert hook.voice_aliases() == tuple(sorted(SANDBOX_VOICES))
    assert hook.sound_template_aliases() == tuple(sorted(SANDBOX_SOUND_TEMPLATES))
    hook.check_library_names(
        "audioform",
        LibraryReferences(
            voices=names(("a.voice", "Sara"), ("b.voice", "WREN")),  # any case
            sound_templates=names(("c.soundTemplateAlias", "cityscape")),
        ),
    )
    assert hook.voice_aliases() == tuple(sorted(SANDBOX_VOICES))
    assert (admin.count(LIST_VOICES), admin.count(LIST_SOUND_TEMPLATES)) == (1, 1)


def test_nothing_named_reads_nothing(
    audiostack_conn: str, admin: SandboxAdmin, make_hook: HookFactory
) -> None:
    make_hook(AudioStackHook, audiostack_conn).check_library_names("audioform", LibraryReferences())
    assert admin.stats()["requests"] == {}


def test_every_unlisted_name_is_refused_at_once_with_its_path(
    audiostack_conn: str, admin: SandboxAdmin, make_hook: HookFactory
) -> None:
    hook = make_hook(AudioStackHook, audiostack_conn)
    references = LibraryReferences(
        voices=names(("assets.a.voiceAlias", "ghost"), ("assets.b.voice", "sara")),
        sound_templates=names(("assets.bed.soundTemplateAlias", "nowhere")),
    )
    with pytest.raises(AudioInputError) as caught:
        hook.check_library_names("audioform", references)
    assert [problem.split(":")[0] for problem in caught.value.problems] == [
        "assets.a.voiceAlias",
        "assets.bed.soundTemplateAlias",
    ]
    assert "'nowhere' is not one of the 6 sound templates" in caught.value.problems[1]


def test_a_5xx_on_a_list_is_retried_like_any_read(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, admin: SandboxAdmin, make_hook: HookFactory
) -> None:
    conn_id = set_connection(
        monkeypatch,
        "audiostack_lists",
        "audiostack",
        host=sandbox.service_url("audiostack"),
        password=SANDBOX_KEY,
    )
    admin.fault(LIST_VOICES, "503")
    hook = make_hook(AudioStackHook, conn_id, retry_policy=FAST_RETRIES)
    assert hook.voice_aliases()
    assert admin.count(LIST_VOICES) == 2


def test_a_wrong_key_is_not_taken_for_an_account_without_lists(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, make_hook: HookFactory
) -> None:
    conn_id = set_connection(
        monkeypatch,
        "audiostack_wrong",
        "audiostack",
        host=sandbox.service_url("audiostack"),
        password=WRONG_KEY,
    )
    with pytest.raises(AudioServiceAuthError):
        make_hook(AudioStackHook, conn_id).voice_aliases()


class _AccountWithoutLists(BaseHTTPRequestHandler):
    """Answers the voice list with 404 and the template list with 403, as AudioStack does for a
    route an account lacks ({message}); counts what it was asked."""

    asked: Counter[str] = Counter()
    answers = {"/speech/voice": (404, "Not Found"), "/production/sound/template": (403, "Forbidden")}

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.asked[path] += 1
        status, message = self.answers.get(path, (404, "Not Found"))
        body = json.dumps({"message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def account_without_lists(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Counter[str]]]:
    _AccountWithoutLists.asked = Counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AccountWithoutLists)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"http://127.0.0.1:{server.server_address[1]}"
        yield (
            set_connection(
                monkeypatch, "audiostack_nolists", "audiostack", host=host, password="no-lists-key-7c1e"
            ),
            _AccountWithoutLists.asked,
        )
    finally:
        server.shutdown()
        server.server_close()


def test_an_account_without_the_lists_is_warned_and_not_checked(
    account_without_lists: tuple[str, Counter[str]], make_hook: HookFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    conn_id, asked = account_without_lists
    hook = make_hook(AudioStackHook, conn_id, retry_policy=FAST_RETRIES)
    references = LibraryReferences(
        voices=names(("voice", "ghost")), sound_templates=names(("soundTemplate", "nowhere"))
    )
    hook.check_library_names("audioform", references)  # the build will say, as before
    hook.check_library_names("audioform", references)
    assert (hook.voice_aliases(), hook.sound_template_aliases()) == (None, None)
    assert asked == {"/speech/voice": 1, "/production/sound/template": 1}  # 4xx: not retried, read once
    out, err = capfd.readouterr()  # the hook's log, as Airflow's structlog writes it
    warned = out + err
    assert (
        "GET /speech/voice with HTTP 404" in warned
        and "GET /production/sound/template with HTTP 403" in warned
    )


def test_a_refusal_shows_how_many_names_there_are_and_the_first_sorted() -> None:
    listed = tuple(sorted(f"voice_{n:03d}" for n in range(40)))
    problem = unlisted_problem(VOICES, LibraryReference("assets.a.voiceAlias", "ghost"), listed)
    assert problem.startswith("assets.a.voiceAlias: 'ghost' is not one of the 40 voices")
    assert f"allowed values (the first {SHOWN_NAMES}, sorted): 'voice_000', 'voice_001'" in problem
    assert f"'voice_{SHOWN_NAMES - 1:03d}'" in problem and f"'voice_{SHOWN_NAMES:03d}'" not in problem
