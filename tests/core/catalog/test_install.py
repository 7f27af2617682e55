"""Installing catalog models: checksums (pinned and trust-on-first-use), mirror, offline, header."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from desktop.core.catalog import (
    ChecksumMismatchError,
    DiskSpaceError,
    ModelRegistry,
    OfflineError,
    RegistryError,
    install_catalog_model,
    mirrored_url,
    models_dir,
    part_path,
)
from desktop.core.errors import ConfigError, ModelFileError
from tests.core.catalog.fileserver import FileServer
from tests.core.catalog.support import MODEL_PATH, NO_WAIT, sha256, tiny_entry

HF_URL = "https://huggingface.co/org/tiny/resolve/main/tiny.gguf"


def test_first_download_is_installed_registered_and_trusted(
        server: FileServer, client: httpx.Client, tiny_model: Path) -> None:
    result = install_catalog_model(tiny_entry(server.url(MODEL_PATH)), client=client,
                                   offline=False, retry=NO_WAIT)
    expected = sha256(tiny_model.read_bytes())
    record = result.record
    assert result.checksum == "first download" and not result.already_installed
    assert record.path == models_dir() / "tiny.gguf" and record.path.read_bytes() \
        == tiny_model.read_bytes()
    assert record.sha256 == expected and record.source == "catalog" and record.owned
    registry = ModelRegistry()
    assert registry.get("tiny") == record
    trusted = registry.trusted("tiny")
    assert trusted is not None and trusted.sha256 == expected
    assert not part_path(models_dir(), tiny_entry("https://x/tiny.gguf")).exists()

    again = install_catalog_model(tiny_entry(server.url(MODEL_PATH)), client=client,
                                  offline=False, retry=NO_WAIT)
    assert again.already_installed and len(server.requests) == 1


def test_later_download_must_match_the_first(server: FileServer, client: httpx.Client,
                                             tiny_model: Path) -> None:
    entry = tiny_entry(server.url(MODEL_PATH))
    first = install_catalog_model(entry, client=client, offline=False, retry=NO_WAIT)
    registry = ModelRegistry()
    registry.remove("tiny")
    first.record.path.unlink()
    replaced = bytearray(tiny_model.read_bytes())
    replaced[-1] ^= 0xFF  # same header, different weights
    server.files[MODEL_PATH] = bytes(replaced)

    with pytest.raises(ChecksumMismatchError, match="first download of this model") as caught:
        install_catalog_model(entry, client=client, offline=False, retry=NO_WAIT)
    assert caught.value.expected == first.record.sha256
    assert not (models_dir() / "tiny.gguf").exists()
    assert not part_path(models_dir(), entry).exists()
    assert registry.find("tiny") is None

    registry.forget_trust("tiny")  # --accept-new-checksum
    accepted = install_catalog_model(entry, client=client, offline=False, retry=NO_WAIT)
    assert accepted.checksum == "first download"
    assert accepted.record.sha256 == sha256(bytes(replaced))


def test_configured_checksum_is_enforced(server: FileServer, client: httpx.Client) -> None:
    entry = tiny_entry(server.url(MODEL_PATH), sha256="0" * 64)
    with pytest.raises(ChecksumMismatchError, match="catalog expects 0000"):
        install_catalog_model(entry, client=client, offline=False, retry=NO_WAIT)
    assert not (models_dir() / "tiny.gguf").exists()
    assert not part_path(models_dir(), entry).exists()  # a bad file is not kept to resume
    assert ModelRegistry().records() == []


def test_configured_checksum_that_matches(server: FileServer, client: httpx.Client,
                                          tiny_model: Path) -> None:
    data = tiny_model.read_bytes()
    entry = tiny_entry(server.url(MODEL_PATH), sha256=sha256(data), size_bytes=len(data))
    result = install_catalog_model(entry, client=client, offline=False, retry=NO_WAIT)
    assert result.checksum == "catalog"
    assert ModelRegistry().trusted("tiny") is None  # nothing to trust: the catalog vouches


def test_wrong_exact_size_is_rejected(server: FileServer, client: httpx.Client,
                                      tiny_model: Path) -> None:
    entry = tiny_entry(server.url(MODEL_PATH), size_bytes=tiny_model.stat().st_size - 1)
    with pytest.raises(ChecksumMismatchError, match="bytes, not the"):
        install_catalog_model(entry, client=client, offline=False, retry=NO_WAIT)
    assert not (models_dir() / "tiny.gguf").exists()


def test_download_that_is_not_a_model_is_deleted(server: FileServer, client: httpx.Client
                                                 ) -> None:
    server.files[MODEL_PATH] = b"<!DOCTYPE html><html><body>Sign in</body></html>"
    entry = tiny_entry(server.url(MODEL_PATH))
    with pytest.raises(ModelFileError, match="not a usable model.*web page"):
        install_catalog_model(entry, client=client, offline=False, retry=NO_WAIT)
    assert not (models_dir() / "tiny.gguf").exists()
    assert not part_path(models_dir(), entry).exists()


def test_offline_mode_refuses_before_any_connection(server: FileServer, client: httpx.Client
                                                    ) -> None:
    with pytest.raises(OfflineError, match="offline mode is on"):
        install_catalog_model(tiny_entry(server.url(MODEL_PATH)), client=client, offline=True)
    assert server.requests == []


def test_mirror_replaces_the_hugging_face_prefix(server: FileServer, client: httpx.Client
                                                 ) -> None:
    result = install_catalog_model(tiny_entry(HF_URL), client=client, offline=False,
                                   retry=NO_WAIT, mirror_url=server.base + "/")
    assert result.record.path.is_file()
    assert server.requests == [(MODEL_PATH, None)]


def test_mirror_url_rules() -> None:
    assert mirrored_url(HF_URL, "") == HF_URL
    assert mirrored_url(HF_URL, "https://m.example.org/hf/") \
        == "https://m.example.org/hf/org/tiny/resolve/main/tiny.gguf"
    other = "https://example.com/model.gguf"
    assert mirrored_url(other, "https://m.example.org") == other
    assert mirrored_url("https://huggingface.com.evil/x.gguf", "https://m.example.org") \
        == "https://huggingface.com.evil/x.gguf"
    for bad in ("ftp://m.example.org", "m.example.org", "https://"):
        with pytest.raises(ConfigError, match="models.mirror_url"):
            mirrored_url(HF_URL, bad)


def test_not_enough_space_for_the_listed_size(server: FileServer, client: httpx.Client
                                              ) -> None:
    with pytest.raises(DiskSpaceError, match=r"needs 0\.00 GB, 0\.00 GB free"):
        install_catalog_model(tiny_entry(server.url(MODEL_PATH)), client=client, offline=False,
                              free_space=lambda _: 10)
    assert server.requests == []


def test_name_taken_by_an_import(server: FileServer, client: httpx.Client,
                                 tiny_model: Path) -> None:
    from desktop.core.catalog import import_model

    import_model(tiny_model, copy=False, name="tiny", probe=lambda _: None)
    with pytest.raises(RegistryError, match="taken by an imported model"):
        install_catalog_model(tiny_entry(server.url(MODEL_PATH)), client=client, offline=False)
    assert server.requests == []
