"""The Documents panel's words: a collection's privacy level and state, indexing progress."""

from __future__ import annotations

from desktop.core.documents import CollectionInfo, IndexProgress

PRIVACY_WORDS: dict[str, str] = {"device": "This device only", "send": "May be sent"}


def collection_state(info: CollectionInfo, indexing: str | None = None) -> str:
    """``up to date``, ``3 to index``, ``2 could not be read``… in words."""
    parts = []
    if indexing == info.name:
        parts.append("indexing…")
    elif info.pending:
        parts.append(f"{info.pending} to index")
    elif info.files:
        parts.append("up to date")
    else:
        parts.append("empty")
    if info.failed:
        parts.append(f"{len(info.failed)} could not be read")
    if info.semantic:
        parts.append("searched by meaning too")
    return " · ".join(parts)


def describe_progress(progress: IndexProgress) -> str:
    """``Indexing “Tax”: 3 of 10 files · 42 passages · 2.1 files/s · 5 s left``; the rate is
    measured over this run and the time left estimated from the bytes read so far."""
    parts = [f"Indexing “{progress.collection}”: {progress.files_done} of "
             f"{progress.files_total} files", f"{progress.chunks} passages"]
    if progress.files_failed:
        parts.append(f"{progress.files_failed} could not be read")
    if progress.files_done and progress.elapsed_s > 0:
        parts.append(f"{progress.files_per_s:.1f} files/s")
    left = progress.seconds_left
    if left is not None:
        parts.append(f"about {int(left) + 1} s left")
    return " · ".join(parts)
