"""Hearth's files are the user's alone: 0600 files in 0700 folders whatever the umask, and
looser ones left by an older version are tightened (POSIX)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.store import ConversationStore

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _hearth(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "desktop", *args], cwd=REPO,
                          env=dict(os.environ), capture_output=True, text=True, timeout=60,
                          umask=0o022)
    assert done.returncode == 0, done.stderr


def _private_files(config: Path, data: Path) -> list[Path]:
    return [config / "settings.toml", config / "settings.toml.lock", data / "audit.jsonl",
            data / "audit.head", data / "audit.lock", data / "hearth.sqlite3"]


def test_a_fresh_start_with_umask_022_makes_private_files(
        hearth_dirs: tuple[Path, Path]) -> None:
    config, data = hearth_dirs
    _hearth("config", "set", "network.offline", "true")  # settings, and an audit record
    _hearth("chats", "list")  # the conversation database
    assert {p.name: oct(_mode(p)) for p in _private_files(config, data)} == {
        p.name: "0o600" for p in _private_files(config, data)}
    assert (oct(_mode(config)), oct(_mode(data))) == ("0o700", "0o700")


def test_looser_files_of_an_older_version_are_tightened(hearth_dirs: tuple[Path, Path]) -> None:
    config, data = hearth_dirs
    for folder in (config, data):
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
    (config / "settings.toml").write_text("[ui]\ntheme = \"dark\"\n", encoding="utf-8")
    (data / "audit.jsonl").write_bytes(b"")
    ConversationStore(data / "hearth.sqlite3").close()
    for path in (config / "settings.toml", data / "audit.jsonl", data / "hearth.sqlite3"):
        path.chmod(0o644)
    _hearth("config", "get", "ui.theme")  # reads only: still tightens what it opens
    _hearth("chats", "list")
    for path in (config / "settings.toml", data / "audit.jsonl", data / "hearth.sqlite3"):
        assert oct(_mode(path)) == "0o600", path
    assert (oct(_mode(config)), oct(_mode(data))) == ("0o700", "0o700")


def test_the_database_journal_files_are_private(hearth_dirs: tuple[Path, Path]) -> None:
    _, data = hearth_dirs
    previous = os.umask(0o022)
    try:
        with ConversationStore.open_default() as store:
            store.create_conversation("hello")
            journal = [data / "hearth.sqlite3-wal", data / "hearth.sqlite3-shm"]
            assert {p.name: oct(_mode(p)) for p in journal} == {
                p.name: "0o600" for p in journal}
    finally:
        os.umask(previous)
