"""Fixtures of the document-turn tests: a real library in the test's data folder, real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.documents import Library, Privacy
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from tests.core.cloud.loopback import LoopbackServer, loopback_server

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                    "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables: loopback requests must not be sent through a proxy."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


@pytest.fixture
def store(hearth_dirs: tuple[Path, Path]) -> Iterator[ConversationStore]:
    with ConversationStore.open_default() as opened:
        yield opened


@pytest.fixture
def library(settings: Settings) -> Iterator[Library]:
    """The user's library (``<data dir>/documents.sqlite3``), as the assistant opens it."""
    with Library.open_default(settings) as opened:
        yield opened


def add_collection(library: Library, folder: Path, name: str, privacy: Privacy,
                   files: dict[str, str]) -> None:
    """Write ``files`` (name → text) under ``folder``, add them as collection ``name`` and
    index it."""
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, text in files.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    library.create(name, privacy=privacy)
    library.add(name, [folder])
    report = library.index(name)
    assert not report.failed, report.failed
