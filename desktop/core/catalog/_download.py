"""Fetch one URL into a ``.part`` file: resumable, hashed while written, cancellable, retried.

The partial file is the download's whole state. Its bytes are hashed again when a download
resumes, so the final SHA-256 covers every byte of the file, not only those of the last
session. A resume asks for ``Range: bytes=N-`` and accepts only a ``206`` whose
``Content-Range`` starts at N; a server that answers ``200`` (it ignores Range) or a range that
does not fit means starting over from zero, cleanly, with the partial file truncated.

Network errors, timeouts and 5xx/429 answers are retried with exponential backoff, each retry
resuming where the last one stopped. Other answers (404, 401/403 for gated files) end the
download with a message that says what the server said.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final, Protocol, cast

import httpx

from desktop.core.catalog._errors import (
    DownloadCancelled,
    DownloadError,
    format_bytes,
    network_words,
    refusal_words,
)
from desktop.core.catalog._files import FreeSpace, check_free_space, disk_free, write_failure

__all__ = [
    "CancelFlag",
    "DownloadProgress",
    "FetchResult",
    "Opener",
    "ProgressSink",
    "RetryPolicy",
    "fetch",
]

Opener = Callable[[Path, str], BinaryIO]
_CONTENT_RANGE: Final = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_UNSATISFIABLE: Final = re.compile(r"bytes\s+\*/(\d+)")
_SPEED_WINDOW_S: Final = 5.0


class CancelFlag(Protocol):
    """Anything with ``is_set()``: a ``threading.Event``, or the chat's ``StopSignal``."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True, kw_only=True)
class DownloadProgress:
    """Where a download stands: bytes on disk, the total when known, speed and time left."""

    done: int
    total: int | None
    bytes_per_s: float | None
    eta_s: float | None

    @property
    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None


ProgressSink = Callable[[DownloadProgress], None]


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often a failing download is retried, and how long it waits in between."""

    attempts: int = 5  # tries in all, the first included
    backoff_s: float = 1.0  # first wait; doubles each time
    max_backoff_s: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    def delay(self, failures: int) -> float:
        return min(self.backoff_s * 2.0 ** (failures - 1), self.max_backoff_s)


@dataclass(frozen=True, kw_only=True)
class FetchResult:
    """A complete ``.part`` file: its size, SHA-256, and how the download went."""

    path: Path
    size: int
    sha256: str
    resumed_from: int  # bytes already on disk when this call started (0: fresh download)
    restarts: int  # times the server's answer forced starting over from zero
    retries: int


class _Retry(Exception):
    """One attempt failed in a way worth trying again."""


class _Restart(Exception):
    """The server's answer does not continue the partial file: truncate and ask again."""


class _PartFile:
    """The partial download on disk and the running hash of its bytes."""

    def __init__(self, path: Path, opener: Opener) -> None:
        self.path = path
        self.opener = opener
        self.hasher = hashlib.sha256()
        self.done = 0
        try:
            with opener(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    self.hasher.update(chunk)
                    self.done += len(chunk)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise write_failure(exc, path, "the partial download", "delete it and retry") from exc

    def truncate(self) -> None:
        try:
            with self.opener(self.path, "wb"):
                pass
        except OSError as exc:
            raise write_failure(exc, self.path, "the partial download", "nothing was kept") \
                from exc
        self.hasher = hashlib.sha256()
        self.done = 0


class _Speedometer:
    """Bytes per second over the last few seconds, for a speed and an ETA that settle quickly."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()

    def sample(self, done: int) -> float | None:
        now = self._clock()
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > _SPEED_WINDOW_S:
            self._samples.popleft()
        start, first = self._samples[0]
        elapsed = now - start
        return (done - first) / elapsed if elapsed > 0 and done > first else None

    def reset(self) -> None:
        self._samples.clear()


def fetch(
    url: str,
    part: Path,
    *,
    client: httpx.Client,
    expected_size: int | None = None,
    on_progress: ProgressSink | None = None,
    cancel: CancelFlag | None = None,
    retry: RetryPolicy | None = None,
    free_space: FreeSpace = disk_free,
    opener: Opener | None = None,
    chunk_size: int = 1 << 16,
    progress_interval_s: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
) -> FetchResult:
    """Download ``url`` into ``part``, continuing what is already there; return the full file.

    Raises DownloadCancelled (the partial file kept), DiskSpaceError, DownloadError.
    """
    policy = retry or RetryPolicy()
    state = _PartFile(part, opener or _open)
    if expected_size is not None and state.done > expected_size:
        state.truncate()  # longer than the file can be: not a prefix of it
    resumed_from = state.done
    if expected_size is not None:
        check_free_space(part.parent, expected_size - state.done, _name(url), free_space)
    session = _Session(url, state, client, expected_size, on_progress, cancel, free_space,
                       chunk_size, progress_interval_s, clock)
    failures = restarts = 0
    while True:
        try:
            session.attempt()
            break
        except _Restart:
            restarts += 1
            if restarts > policy.attempts:
                raise DownloadError(f"the server at {_host(url)} keeps sending answers that do "
                                    "not continue the download; try again later") from None
            state.truncate()
        except _Retry as exc:
            failures += 1
            if failures >= policy.attempts:
                kept = f"{format_bytes(state.done)} kept for resuming" if state.done \
                    else "nothing was kept"
                raise DownloadError(f"downloading {_name(url)} failed after {failures} attempts: "
                                    f"{exc}; {kept}, run the download again to continue") from None
            _wait(policy, policy.delay(failures), cancel, url, state)
    _sync(state)
    return FetchResult(path=part, size=state.done, sha256=state.hasher.hexdigest(),
                       resumed_from=resumed_from, restarts=restarts, retries=failures)


class _Session:
    """The attempts of one ``fetch`` call, sharing the part file and the progress reporting."""

    def __init__(self, url: str, state: _PartFile, client: httpx.Client,
                 expected_size: int | None, on_progress: ProgressSink | None,
                 cancel: CancelFlag | None, free_space: FreeSpace, chunk_size: int,
                 progress_interval_s: float, clock: Callable[[], float]) -> None:
        self.url = url
        self.state = state
        self.client = client
        self.expected_size = expected_size
        self.on_progress = on_progress
        self.cancel = cancel
        self.free_space = free_space
        self.chunk_size = chunk_size
        self.interval = progress_interval_s
        self.clock = clock
        self.speed = _Speedometer(clock)
        self.last_report = float("-inf")

    def attempt(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise _cancelled(self.url, self.state.done)
        headers = {"Range": f"bytes={self.state.done}-"} if self.state.done else {}
        try:
            with self.client.stream("GET", self.url, headers=headers) as response:
                total = self._check_answer(response)
                if total is not None and total == self.state.done:
                    return  # already complete (a 416 for a finished file)
                if total is not None:
                    check_free_space(self.state.path.parent, total - self.state.done,
                                     _name(self.url), self.free_space)
                self._receive(response.iter_bytes(self.chunk_size), total)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Retry(_network_reason(exc, self.url)) from exc
        except httpx.HTTPError as exc:  # a bad URL or protocol: retrying will not help
            raise DownloadError(f"could not download {self.url}: {exc}") from exc

    def _check_answer(self, response: httpx.Response) -> int | None:
        """Return the full file size if known; raise for answers that do not carry the file."""
        status = response.status_code
        done = self.state.done
        if status == 416 and done:
            match = _UNSATISFIABLE.fullmatch(response.headers.get("content-range", "").strip())
            if match and int(match[1]) == done:
                return done
            raise _Restart
        if status == 429 or status >= 500:
            raise _Retry(f"the server answered HTTP {status}")
        if status in (401, 403):
            raise DownloadError(
                f"{refusal_words(status)}: {self.url} may need signing in or accepting a "
                "licence on its web page, or the mirror denies it"
            )
        if status == 404:
            raise DownloadError(f"{refusal_words(404)}: {self.url} was not found; the catalog "
                                "entry or the mirror may be out of date")
        length = _content_length(response)
        if status == 200:
            if done:
                raise _Restart  # Range ignored: the body starts at byte 0
            return length if length is not None else self.expected_size
        if status == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
            if match is None or int(match[1]) != done:
                raise _Restart
            return int(match[3]) if match[3] != "*" else None
        raise DownloadError(f"{refusal_words(status)}: an unexpected answer from "
                            f"{_host(self.url)}")

    def _receive(self, chunks: Iterator[bytes], total: int | None) -> None:
        state = self.state
        self.speed.reset()
        self.speed.sample(state.done)
        try:
            with state.opener(state.path, "ab") as fh:
                for chunk in chunks:
                    if self.cancel is not None and self.cancel.is_set():
                        raise _cancelled(self.url, state.done)
                    try:
                        fh.write(chunk)
                    except OSError as exc:
                        raise _kept_failure(exc, state) from exc
                    state.hasher.update(chunk)
                    state.done += len(chunk)
                    self._report(total)
                fh.flush()
        except OSError as exc:  # opening, flushing or closing the partial file
            raise _kept_failure(exc, state) from exc
        self._report(total, force=True)
        if total is not None and state.done < total:
            raise _Retry("the connection closed before the end of the file")

    def _report(self, total: int | None, *, force: bool = False) -> None:
        if self.on_progress is None:
            return
        now = self.clock()
        if not force and now - self.last_report < self.interval:
            return
        self.last_report = now
        done = self.state.done
        speed = self.speed.sample(done)
        eta = (total - done) / speed if speed and total is not None and total >= done else None
        self.on_progress(DownloadProgress(done=done, total=total, bytes_per_s=speed, eta_s=eta))


def _kept_failure(exc: OSError, state: _PartFile) -> Exception:
    kept = f"the {format_bytes(state.done)} already downloaded are kept in {state.path.name}; " \
        "free some space and run the download again to resume"
    return write_failure(exc, state.path, "the download", kept)


def _cancelled(url: str, done: int) -> DownloadCancelled:
    return DownloadCancelled(
        f"download of {_name(url)} cancelled; {format_bytes(done)} kept, run it again to resume",
        kept_bytes=done,
    )


def _wait(policy: RetryPolicy, seconds: float, cancel: CancelFlag | None, url: str,
          state: _PartFile) -> None:
    """Back off, in short steps so that a cancel is not kept waiting."""
    deadline = time.monotonic() + seconds
    while True:
        if cancel is not None and cancel.is_set():
            raise _cancelled(url, state.done)
        left = deadline - time.monotonic()
        if left <= 0:
            return
        policy.sleep(min(left, 0.1))


def _sync(state: _PartFile) -> None:
    """Flush the finished partial file to disk before it is verified and renamed."""
    with contextlib.suppress(OSError), state.path.open("rb+") as fh:
        os.fsync(fh.fileno())


def _open(path: Path, mode: str) -> BinaryIO:
    return cast(BinaryIO, open(path, mode))  # noqa: SIM115 - the caller closes it


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _network_reason(exc: httpx.HTTPError, url: str) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"{_host(url)} did not answer in time"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the connection to {_host(url)} was cut off"
    return network_words(exc, _host(url))


def _name(url: str) -> str:
    return httpx.URL(url).path.rsplit("/", 1)[-1] or url


def _host(url: str) -> str:
    return httpx.URL(url).host or url
