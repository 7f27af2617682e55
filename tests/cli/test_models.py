"""``hearth models``: through the real entry point, in this process, as a user would type it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.__main__ import main
from desktop.core.catalog import MANIFEST_FILE, ModelRegistry, models_dir
from desktop.core.settings import Settings
from tests.core.catalog.fileserver import FileServer
from tests.core.catalog.support import sha256

MODEL_PATH = "/org/tiny/resolve/main/tiny.gguf"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["models", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_use_remove(capsys: pytest.CaptureFixture[str], tiny_model: Path) -> None:
    code, out, err = _run(capsys, "import", str(tiny_model), "--copy", "--name", "tiny")
    assert code == 0, err
    copy = models_dir() / tiny_model.name
    assert "Imported 'tiny'" in out and str(copy) in out
    assert f"SHA-256 {sha256(tiny_model.read_bytes())}" in out

    code, out, _ = _run(capsys, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [m["name"] for m in listed] == ["tiny"]
    assert listed[0]["copied"] and not listed[0]["in_use"]

    assert _run(capsys, "use", "tiny")[0] == 0
    assert Settings().get_str("local.model_path") == str(copy)
    code, out, _ = _run(capsys, "list")
    assert "* tiny" in out

    code, out, _ = _run(capsys, "remove", "tiny")
    assert code == 0 and "deleted" in out and "answering now" in out
    assert not copy.exists() and Settings().get_str("local.model_path") == ""
    assert tiny_model.exists()  # the original is never touched


def test_reference_import_is_not_deleted_on_remove(capsys: pytest.CaptureFixture[str],
                                                   tiny_model: Path) -> None:
    assert _run(capsys, "import", str(tiny_model), "--name", "ref")[0] == 0
    code, out, _ = _run(capsys, "remove", "ref")
    assert code == 0 and "stays where it is" in out and tiny_model.exists()


@pytest.mark.parametrize(("content", "words"), [
    (b"<html><body>Error 404</body></html>", "web page"),
    (b"PK\x03\x04" + bytes(100), "ZIP archive"),
    (b"GGUF\x03\x00\x00\x00" + bytes(7), "ends in the middle of its header"),
])
def test_bad_files_exit_3_and_the_process_goes_on(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path, content: bytes,
                                                  words: str) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(content)
    code, _, err = _run(capsys, "import", str(bad), "--copy")
    assert code == 3
    message = [line for line in err.splitlines() if line.startswith("hearth: error:")]
    assert len(message) == 1 and str(bad) in message[0] and words in message[0]
    assert "Traceback" not in err
    assert _run(capsys, "list")[0] == 0  # still running, nothing registered
    assert ModelRegistry().records() == []


def test_unknown_names_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (("use", "ghost"), ("remove", "ghost"), ("download", "ghost", "--yes")):
        code, _, err = _run(capsys, *args)
        assert code == 3 and "ghost" in err and "Traceback" not in err


def test_manifest_and_verify(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                             tiny_model: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / tiny_model.name).write_bytes(tiny_model.read_bytes())
    (folder / "README.txt").write_text("models for the lab\n")
    code, out, _ = _run(capsys, "manifest", str(folder))
    assert code == 0 and "Wrote 2 checksum(s)" in out
    assert (folder / MANIFEST_FILE).is_file()
    code, out, _ = _run(capsys, "verify", str(folder))
    assert code == 0 and "OK: all 2 file(s) match" in out

    model = folder / tiny_model.name
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0x40
    model.write_bytes(bytes(data))
    (folder / "README.txt").unlink()
    code, out, err = _run(capsys, "verify", str(folder))
    assert code == 3
    assert f"MISMATCH  {tiny_model.name}" in out and "MISSING   README.txt" in out
    assert "1 file(s) differ and 1 are missing" in err

    code, _, err = _run(capsys, "verify", str(tmp_path))
    assert code == 3 and "no SHA256SUMS" in err


def test_catalog_lists_sizes_licences_and_memory(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "catalog")
    assert code == 0
    assert "qwen2.5-0.5b-instruct" in out and "needs ~541 MB" in out
    assert "memory need unknown" in out and "licence: Apache-2.0" in out
    code, out, _ = _run(capsys, "catalog", "--json")
    document = json.loads(out)
    assert document["checked"] == "2026-11-24" and document["context"] == 4096
    assert all(m["sha256"] is None for m in document["models"])


def test_recommend_and_hardware(capsys: pytest.CaptureFixture[str], tiny_model: Path) -> None:
    code, out, _ = _run(capsys, "recommend")
    assert code == 0 and (out.startswith("Recommended: ") or out.startswith("No recommendation"))
    code, out, _ = _run(capsys, "recommend", "--json")
    assert code == 0 and "reason" in json.loads(out)
    code, out, _ = _run(capsys, "hardware", "--model", str(tiny_model))
    assert code == 0 and "llama.cpp backend:" in out and "system memory:" in out
    assert f"GPU layers that fit for {tiny_model.name}:" in out


@pytest.fixture
def mirror(tiny_model: Path, hearth_dirs: tuple[Path, Path],
           monkeypatch: pytest.MonkeyPatch) -> Iterator[FileServer]:
    """A loopback 'mirror' serving a catalog entry that the user's catalog.toml adds."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    config, _ = hearth_dirs
    config.mkdir(parents=True, exist_ok=True)
    (config / "catalog.toml").write_text(f'''
[model."tiny-test"]
name = "Tiny test model"
url = "https://huggingface.co{MODEL_PATH}"
quantization = "F16"
licence = "test only"
listed_size_mb = 1.0
''')
    with FileServer({MODEL_PATH: tiny_model.read_bytes()}) as server:
        Settings().set("models.mirror_url", server.base)
        yield server


def test_download_through_a_mirror(capsys: pytest.CaptureFixture[str], mirror: FileServer,
                                   tiny_model: Path) -> None:
    code, out, err = _run(capsys, "download", "tiny-test", "--yes")
    assert code == 0, err
    assert f"from    {mirror.base}{MODEL_PATH}" in out
    expected = sha256(tiny_model.read_bytes())
    assert f"SHA-256 {expected} (first download: recorded" in out
    assert mirror.requests == [(MODEL_PATH, None)]
    assert (models_dir() / "tiny.gguf").read_bytes() == tiny_model.read_bytes()

    code, out, _ = _run(capsys, "download", "tiny-test", "--yes")
    assert code == 0 and "already downloaded" in out and len(mirror.requests) == 1
    assert _run(capsys, "use", "tiny-test")[0] == 0


def test_download_refused_while_offline(capsys: pytest.CaptureFixture[str],
                                        mirror: FileServer) -> None:
    Settings().set("network.offline", True)
    code, _, err = _run(capsys, "download", "tiny-test", "--yes")
    assert code == 3 and "offline mode is on" in err
    assert mirror.requests == []


def test_download_asks_first(capsys: pytest.CaptureFixture[str], mirror: FileServer,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, out, err = _run(capsys, "download", "tiny-test")
    assert code == 2 and "add --yes" in err and "Nothing downloaded" in out
    assert mirror.requests == []


def test_an_embedding_model_is_not_used_for_chat(capsys: pytest.CaptureFixture[str],
                                                 mirror: FileServer,
                                                 hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    catalog = config / "catalog.toml"
    catalog.write_text(catalog.read_text().replace('quantization = "F16"',
                                                   'quantization = "F16"\nkind = "embedding"'))
    assert _run(capsys, "download", "tiny-test", "--yes")[0] == 0
    code, _, err = _run(capsys, "use", "tiny-test")
    assert code != 0 and "embedding model" in err and "documents.embedding_model" in err
    assert Settings().get_str("local.model_path") == ""
