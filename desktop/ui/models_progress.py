"""A download as the Models dialog shows it: progress in words, and the outcome of a cancel."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.catalog import DownloadProgress, format_bytes


@dataclass(frozen=True)
class Paused:
    """A cancelled download: what was received is kept, the same download resumes it."""

    message: str


def describe_progress(progress: DownloadProgress) -> str:
    """``12.3 MB of 400 MB · 4.1 MB/s · 1 min 35 s left``, with what is known."""
    parts = [format_bytes(progress.done)
             + (f" of {format_bytes(progress.total)}" if progress.total else "")]
    if progress.bytes_per_s:
        parts.append(f"{format_bytes(progress.bytes_per_s)}/s")
    if progress.eta_s is not None:
        parts.append(f"{duration(progress.eta_s)} left")
    return " · ".join(parts)


def duration(seconds: float) -> str:
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
    if whole >= 60:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole} s"
