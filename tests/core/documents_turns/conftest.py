"""Fixtures of the document-turn tests: a real library in the test's data folder, real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.documents import Library, Privacy
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore

# The loopback cloud and its no-proxy rule, as the cloud tests have them.
from tests.core.cloud.conftest import _no_proxy, server  # noqa: F401 - fixtures used here


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
