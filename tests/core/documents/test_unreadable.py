"""Files that cannot be indexed are recorded with a reason in words; the others go on."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.documents import Library
from tests.core.documents.files import write_pdf


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library(tmp_path / "documents.sqlite3", max_file_bytes=5_000_000) as lib:
        yield lib


def _reasons(library: Library, folder: Path) -> dict[str, str]:
    library.add("mixed", [folder])
    report = library.index("mixed")
    reasons = {Path(p).name: r for p, r in library.collection("mixed").failed}
    assert {Path(p).name: r for p, r in report.failed} == reasons
    return reasons


def test_bad_files_get_reasons_and_the_good_ones_are_indexed(library: Library,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("The cellar door sticks in winter.", encoding="utf-8")
    write_pdf(folder / "good.pdf", [["Invoice 4471 is due in March."]])
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog" + b"\x00" * 40)
    (folder / "image.bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (folder / "huge.log").write_bytes(b"x" * 5_100_000)
    os.mkfifo(folder / "pipe.txt")
    (folder / "dangling.md").symlink_to(folder / "gone.md")
    (folder / "undecodable.txt").write_bytes(bytes(range(0x80, 0x100)) * 30)
    reasons = _reasons(library, folder)
    assert reasons["corrupt.pdf"].startswith("it is not a readable PDF")
    assert reasons["image.bin.txt"] == "it is a binary file (it contains NUL bytes), not text"
    assert reasons["huge.log"].startswith("it is larger (5 MB) than the size cap of 5 MB")
    assert reasons["pipe.txt"] == "it is a named pipe, not a file"
    assert reasons["dangling.md"] == "it is a link to nothing (its target is missing)"
    assert reasons["undecodable.txt"] == ("its text is neither UTF-8 nor Windows-1252; it cannot "
                                          "be decoded")
    assert len(reasons) == 6
    info = library.collection("mixed")
    assert info.files == 2
    assert library.search(["mixed"], "cellar door")[0].path.endswith("good.txt")
    assert library.search(["mixed"], "invoice 4471")[0].page == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "ok.txt").write_text("Readable.", encoding="utf-8")
    secret = folder / "secret.txt"
    secret.write_text("Not for you.", encoding="utf-8")
    secret.chmod(0)
    try:
        assert _reasons(library, folder) == {"secret.txt": "no permission to read it"}
    finally:
        secret.chmod(0o600)


def test_a_fixed_file_is_indexed_on_the_next_run(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "fix"
    folder.mkdir()
    broken = folder / "notes.txt"
    broken.write_bytes(b"\x00binary")
    assert "binary" in _reasons(library, folder)["notes.txt"]
    broken.write_text("Now it is text about quinces.", encoding="utf-8")
    library.index("mixed")
    assert library.collection("mixed").failed == ()
    assert library.search(["mixed"], "quinces")


# A child process indexes a 200 MB log: its peak memory must stay far below the file's size.
_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from desktop.core.documents import Library

    def rss_kb(field):
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise SystemExit("no " + field)

    library = Library(Path(sys.argv[1]) / "documents.sqlite3")
    library.add("logs", [sys.argv[2]])
    library.search(["logs"], "warm up the imports")
    before = rss_kb("VmRSS")
    report = library.index("logs")
    hits = library.search(["logs"], "worker-13 status=503")
    print(before, rss_kb("VmHWM"), report.indexed, report.chunks, len(hits), report.elapsed_s)
""")


@pytest.mark.slow
def test_a_200_mb_log_is_indexed_in_bounded_memory(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    block = "".join(f"2026-11-29T12:{i % 60:02d}:{i % 59:02d} INFO worker-{i % 17} id={i * 7919}"
                    f" path=/api/items/{i} status={200 if i % 97 else 503} took={i % 500}ms\n"
                    for i in range(4000)).encode()
    with log.open("wb") as handle:
        while handle.tell() < 200_000_000:
            handle.write(block)
    size = log.stat().st_size
    done = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path), str(log)],
                          capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr
    before_kb, peak_kb, indexed, chunks, hits, elapsed = done.stdout.split()
    growth_mb = (int(peak_kb) - int(before_kb)) / 1024
    print(f"\n200 MB log: {size / 1e6:.0f} MB, {chunks} chunks in {float(elapsed):.1f} s "
          f"(measured); peak RSS {int(peak_kb) / 1024:.0f} MB, {growth_mb:.0f} MB above the "
          "start")
    assert int(indexed) == 1 and int(chunks) > 100_000 and int(hits) > 0
    assert growth_mb < 300
