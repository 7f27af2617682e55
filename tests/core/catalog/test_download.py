"""``fetch``: resume, restart, retry, cancel and disk-full handling against a loopback server."""

from __future__ import annotations

import errno
import threading
from pathlib import Path
from typing import BinaryIO, cast

import httpx
import pytest

from desktop.core.catalog import (
    DiskSpaceError,
    DownloadCancelled,
    DownloadError,
    DownloadProgress,
    RetryPolicy,
    fetch,
)
from tests.core.catalog.fileserver import FileServer
from tests.core.catalog.support import BLOB_PATH, NO_WAIT, sha256


def test_fresh_download_reports_progress(server: FileServer, client: httpx.Client, blob: bytes,
                                         tmp_path: Path) -> None:
    part = tmp_path / "blob.part"
    seen: list[DownloadProgress] = []
    result = fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT,
                   on_progress=seen.append, chunk_size=8192, progress_interval_s=0.0)
    assert part.read_bytes() == blob
    assert result.sha256 == sha256(blob) and result.size == len(blob)
    assert result.resumed_from == 0 and result.retries == 0 and result.restarts == 0
    assert seen and all(p.total == len(blob) for p in seen)
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1].done == len(blob) and seen[-1].fraction == 1.0
    assert server.requests == [(BLOB_PATH, None)]


def test_connection_dropped_mid_body_is_resumed_with_range(
        server: FileServer, client: httpx.Client, blob: bytes, tmp_path: Path) -> None:
    server.drop_after = 100_000
    result = fetch(server.url(BLOB_PATH), tmp_path / "blob.part", client=client, retry=NO_WAIT)
    assert result.sha256 == sha256(blob)  # the hash covers the first session's bytes too
    assert result.retries == 1
    (_, first), (_, second) = server.requests
    assert first is None and second is not None
    resumed_at = int(second.removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= 100_000


def test_interrupted_download_resumes_in_a_later_call(
        server: FileServer, client: httpx.Client, blob: bytes, tmp_path: Path) -> None:
    part = tmp_path / "blob.part"
    server.drop_after = 120_000
    with pytest.raises(DownloadError, match="kept for resuming"):
        fetch(server.url(BLOB_PATH), part, client=client,
              retry=RetryPolicy(attempts=1, backoff_s=0.0))
    kept = part.stat().st_size
    assert 0 < kept <= 120_000 and part.read_bytes() == blob[:kept]

    result = fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT)
    assert result.resumed_from == kept
    assert result.sha256 == sha256(blob) and part.read_bytes() == blob
    assert server.requests[-1] == (BLOB_PATH, f"bytes={kept}-")


def test_server_ignoring_range_restarts_from_zero(
        server: FileServer, client: httpx.Client, blob: bytes, tmp_path: Path) -> None:
    part = tmp_path / "blob.part"
    part.write_bytes(blob[:50_000])
    server.mode = "ignore-range"
    result = fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT)
    assert result.restarts == 1
    assert part.read_bytes() == blob and result.sha256 == sha256(blob)
    assert [asked for _, asked in server.requests] == ["bytes=50000-", None]


def test_range_answer_that_does_not_continue_the_file_restarts(
        server: FileServer, client: httpx.Client, blob: bytes, tmp_path: Path) -> None:
    part = tmp_path / "blob.part"
    part.write_bytes(blob[:1000])
    server.mode = "wrong-range"  # a 206 from byte 0 when byte 1000 was asked for
    result = fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT)
    assert result.restarts == 1 and part.read_bytes() == blob


def test_partial_file_that_is_already_complete(server: FileServer, client: httpx.Client,
                                              blob: bytes, tmp_path: Path) -> None:
    part = tmp_path / "blob.part"
    part.write_bytes(blob)
    result = fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT)
    assert result.sha256 == sha256(blob) and result.resumed_from == len(blob)
    assert server.requests == [(BLOB_PATH, f"bytes={len(blob)}-")]  # answered 416


def test_server_errors_are_retried(server: FileServer, client: httpx.Client, blob: bytes,
                                   tmp_path: Path) -> None:
    server.failures = 2
    result = fetch(server.url(BLOB_PATH), tmp_path / "blob.part", client=client, retry=NO_WAIT)
    assert result.retries == 2 and result.sha256 == sha256(blob)
    assert len(server.requests) == 3


def test_server_errors_give_up_after_the_attempts(server: FileServer, client: httpx.Client,
                                                  tmp_path: Path) -> None:
    server.failures = 10
    waits: list[float] = []
    policy = RetryPolicy(attempts=3, backoff_s=0.001, sleep=waits.append)
    with pytest.raises(DownloadError, match=r"failed after 3 attempts: the server answered "
                                            r"HTTP 500; nothing was kept"):
        fetch(server.url(BLOB_PATH), tmp_path / "blob.part", client=client, retry=policy)
    assert len(server.requests) == 3 and waits


def test_not_found_and_refused_are_not_retried(server: FileServer, client: httpx.Client,
                                               tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"^the server refused the download \(HTTP 404: "
                                            r"not found\): .* was not found"):
        fetch(server.url("/nothing/here.gguf"), tmp_path / "x.part", client=client,
              retry=NO_WAIT)
    server.status_override = 401
    with pytest.raises(DownloadError, match=r"refused the download \(HTTP 401: unauthorized\)"
                                            r": .*signing in or accepting a licence"):
        fetch(server.url(BLOB_PATH), tmp_path / "x.part", client=client, retry=NO_WAIT)
    assert len(server.requests) == 2


def test_unreachable_server_is_a_download_error(client: httpx.Client, tmp_path: Path) -> None:
    with FileServer({}) as gone:
        url = gone.url(BLOB_PATH)
    with pytest.raises(DownloadError, match="refused the connection") as caught:
        fetch(url, tmp_path / "x.part", client=client, retry=NO_WAIT)
    assert "Errno" not in str(caught.value)


def test_an_unknown_host_is_no_network_in_words(client: httpx.Client, tmp_path: Path) -> None:
    # ".invalid" never resolves (RFC 2606): the same failure as a computer without a network.
    with pytest.raises(DownloadError, match=r"no network: models\.invalid could not be "
                                            r"found") as caught:
        fetch("https://models.invalid/m.gguf", tmp_path / "x.part", client=client,
              retry=NO_WAIT)
    assert "Errno" not in str(caught.value)


def test_cancel_keeps_the_partial_file_and_resume_completes(
        server: FileServer, client: httpx.Client, blob: bytes, tmp_path: Path) -> None:
    part = tmp_path / "blob.part"
    cancel = threading.Event()

    def stop_after_first_chunks(progress: DownloadProgress) -> None:
        if progress.done >= 20_000:
            cancel.set()

    with pytest.raises(DownloadCancelled, match="cancelled") as caught:
        fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT, cancel=cancel,
              on_progress=stop_after_first_chunks, chunk_size=4096, progress_interval_s=0.0)
    kept = caught.value.kept_bytes
    assert 20_000 <= kept < len(blob) and part.stat().st_size == kept

    result = fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT)
    assert result.resumed_from == kept and result.sha256 == sha256(blob)


def test_free_space_is_checked_before_any_request(server: FileServer, client: httpx.Client,
                                                  tmp_path: Path) -> None:
    with pytest.raises(DiskSpaceError, match=r"^not enough disk space: blob\.bin needs "
                                             r"0\.00 GB, 0\.00 GB free"):
        fetch(server.url(BLOB_PATH), tmp_path / "blob.part", client=client, retry=NO_WAIT,
              expected_size=300_000, free_space=lambda _: 1000)
    assert server.requests == []


def test_free_space_is_checked_against_the_servers_length(
        server: FileServer, client: httpx.Client, tmp_path: Path) -> None:
    with pytest.raises(DiskSpaceError, match="not enough disk space"):
        fetch(server.url(BLOB_PATH), tmp_path / "blob.part", client=client, retry=NO_WAIT,
              free_space=lambda _: 1000)
    assert not (tmp_path / "blob.part").exists() or (tmp_path / "blob.part").stat().st_size == 0


class _FillingDisk:
    """Files whose writes fail with ENOSPC once ``room`` bytes have been written in all."""

    def __init__(self, room: int) -> None:
        self.room = room

    def open(self, path: Path, mode: str) -> BinaryIO:
        handle = cast(BinaryIO, open(path, mode))  # noqa: SIM115 - _Limited closes it
        return cast(BinaryIO, _Limited(handle, self)) if "a" in mode or "w" in mode else handle


class _Limited:
    def __init__(self, handle: BinaryIO, disk: _FillingDisk) -> None:
        self._handle = handle
        self._disk = disk

    def write(self, data: bytes) -> int:
        if len(data) > self._disk.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._disk.room -= len(data)
        return self._handle.write(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)

    def __enter__(self) -> _Limited:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def test_disk_filling_up_mid_write_keeps_the_partial_file(
        server: FileServer, client: httpx.Client, blob: bytes, tmp_path: Path) -> None:
    part = tmp_path / "blob.part"
    disk = _FillingDisk(room=64 * 1024 + 10)
    with pytest.raises(DiskSpaceError, match="disk filled up") as caught:
        fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT, opener=disk.open,
              chunk_size=16 * 1024)
    assert "kept" in str(caught.value) and "resume" in str(caught.value)
    assert part.read_bytes() == blob[:64 * 1024]

    result = fetch(server.url(BLOB_PATH), part, client=client, retry=NO_WAIT)  # space freed
    assert result.resumed_from == 64 * 1024 and result.sha256 == sha256(blob)
