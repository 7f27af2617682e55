"""SHA256SUMS: written, verified, tamper detection, and the sha256sum format itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from desktop.core.catalog import MANIFEST_FILE, ManifestError, verify_manifest, write_manifest
from tests.core.catalog.support import sha256


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    (folder / "sub").mkdir(parents=True)
    (folder / "model.gguf").write_bytes(b"GGUF" + bytes(range(256)) * 40)
    (folder / "sub" / "notes.txt").write_text("carried on a USB stick\n")
    (folder / "empty").write_bytes(b"")
    return folder


def test_round_trip(bundle: Path) -> None:
    target, count = write_manifest(bundle)
    assert target == bundle / MANIFEST_FILE and count == 3
    lines = target.read_text().splitlines()
    assert lines == [
        f"{sha256(b'')}  empty",
        f"{sha256((bundle / 'model.gguf').read_bytes())}  model.gguf",
        f"{sha256(b'carried on a USB stick' + bytes([10]))}  sub/notes.txt",
    ]
    report = verify_manifest(bundle)
    assert report.ok and report.matched == ("empty", "model.gguf", "sub/notes.txt")
    assert report.mismatched == report.missing == report.unlisted == ()


def test_tampering_and_missing_files_are_found(bundle: Path) -> None:
    write_manifest(bundle)
    model = bundle / "model.gguf"
    data = bytearray(model.read_bytes())
    data[1000] ^= 1
    model.write_bytes(bytes(data))
    (bundle / "sub" / "notes.txt").unlink()
    (bundle / "stowaway.bin").write_bytes(b"x")
    report = verify_manifest(bundle)
    assert not report.ok
    assert report.mismatched == ("model.gguf",)
    assert report.missing == ("sub/notes.txt",)
    assert report.unlisted == ("stowaway.bin",)


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs GNU sha256sum")
def test_sha256sum_reads_what_hearth_writes(bundle: Path) -> None:
    odd = bundle / "back\\slash name.gguf"
    odd.write_bytes(b"odd")
    write_manifest(bundle)
    done = subprocess.run(["sha256sum", "-c", "--strict", MANIFEST_FILE], cwd=bundle,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert verify_manifest(bundle).ok


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs GNU sha256sum")
def test_hearth_reads_what_sha256sum_writes(bundle: Path) -> None:
    (bundle / "back\\slash.gguf").write_bytes(b"odd")
    names = ["model.gguf", "sub/notes.txt", "back\\slash.gguf"]
    done = subprocess.run(["sha256sum", "--binary", *names], cwd=bundle, capture_output=True,
                          check=True)
    (bundle / MANIFEST_FILE).write_bytes(done.stdout)
    report = verify_manifest(bundle)
    assert report.ok and sorted(report.matched) == sorted(names)
    assert report.unlisted == ("empty",)


def test_escaped_names_round_trip(bundle: Path) -> None:
    (bundle / "line\nbreak.gguf").write_bytes(b"1")
    (bundle / "back\\slash.gguf").write_bytes(b"2")
    write_manifest(bundle)
    text = (bundle / MANIFEST_FILE).read_text()
    assert f"\\{sha256(b'1')}  line\\nbreak.gguf\n" in text
    assert f"\\{sha256(b'2')}  back\\\\slash.gguf\n" in text
    assert verify_manifest(bundle).ok


@pytest.mark.parametrize("name", ["../outside.gguf", "/etc/passwd", "sub/../../x", "C:/x.gguf"])
def test_paths_leaving_the_folder_are_refused(bundle: Path, name: str) -> None:
    (bundle / MANIFEST_FILE).write_text(f"{'0' * 64}  {name}\n")
    with pytest.raises(ManifestError, match="outside the folder"):
        verify_manifest(bundle)


def test_malformed_or_missing_manifest(bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="there is no SHA256SUMS"):
        verify_manifest(bundle)
    (bundle / MANIFEST_FILE).write_text("not a checksum line\n")
    with pytest.raises(ManifestError, match="line 1"):
        verify_manifest(bundle)
    with pytest.raises(ManifestError, match="is not a folder"):
        write_manifest(tmp_path / "nowhere")


def test_rewriting_ignores_the_old_manifest(bundle: Path) -> None:
    write_manifest(bundle)
    _, count = write_manifest(bundle)
    assert count == 3 and MANIFEST_FILE not in (bundle / MANIFEST_FILE).read_text()
