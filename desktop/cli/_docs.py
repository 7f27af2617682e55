"""``hearth docs add | list | remove | rename | reindex | search | set``: document collections."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TextIO

from desktop.cli._interrupt import EXIT_INTERRUPTED, run_stoppable
from desktop.cli._question import InputError
from desktop.core.chat import StopSignal
from desktop.core.documents import IndexProgress, IndexReport, Library
from desktop.core.settings import Settings

_NO_MODEL_HINT = (
    "search is by words (BM25) only. With an embedding model, passages that say the same "
    "thing in other words are found too: download one ('hearth models catalog' lists "
    "nomic-embed-text-v1.5, bge-small-en-v1.5 and multilingual-e5-small) and set "
    "'hearth config set documents.embedding_model NAME'"
)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    with Library.open_default(settings) as library:
        return _run(library, args)


def _run(library: Library, args: argparse.Namespace) -> int:
    action = args.action
    if action == "add":
        library.add(args.name, args.paths)
        return _index(library, args.name, everything=False)
    if action == "reindex":  # an unknown name is a KnownError before any work
        return _index(library, args.name, everything=args.all)
    if action == "list":
        _list(library, as_json=args.json)
        return 0
    if action == "remove":
        library.remove(args.name)
        print(f"removed the collection {args.name!r} (the files themselves are untouched)")
        return 0
    if action == "rename":
        library.rename(args.old, args.new)
        print(f"the collection {args.old!r} is now {args.new!r}")
        return 0
    if action == "set":
        info = library.set_privacy(args.name, args.privacy)
        print(f"{info.name}: " + ("its passages never leave this device"
                                   if info.privacy == "device" else
                                   "its passages may be sent with a question to a cloud tier"))
        return 0
    _search(library, args)
    return 0


def _index(library: Library, name: str, *, everything: bool) -> int:
    stop = StopSignal()
    reporter = _Reporter(sys.stderr)
    report: IndexReport = run_stoppable(
        lambda: library.index(name, progress=reporter.update, stop=stop, everything=everything),
        stop)
    reporter.finish()
    _summary(library, report)
    return EXIT_INTERRUPTED if report.stopped else 0


def _notes(library: Library) -> None:
    """What search by meaning would add, or why it is off."""
    if library.embedder_problem is not None:
        print(f"note: search by meaning is off: {library.embedder_problem}", file=sys.stderr)
    elif not library.semantic_configured:
        print(f"note: {_NO_MODEL_HINT}")


def _summary(library: Library, report: IndexReport) -> None:
    info = library.collection(report.collection)
    rate = (f", {report.chunks / report.elapsed_s:,.0f} chunks/s measured"
            if report.elapsed_s > 0 and report.chunks else "")
    embedded = f", {report.embedded} chunks given vectors" if report.embedded else ""
    print(f"{info.name}: {report.indexed} files indexed in {report.elapsed_s:.1f} s "
          f"({report.chunks} chunks{rate}{embedded}), {report.unchanged} unchanged, "
          f"{report.removed} removed; {info.files} files and {info.chunks} chunks in all")
    for path, reason in report.failed:
        print(f"  not indexed: {path}: {reason}")
    if report.stopped:
        print(f"stopped with {info.pending} files to go; 'hearth docs reindex {info.name}' "
              "goes on from here", file=sys.stderr)
    _notes(library)


def _list(library: Library, *, as_json: bool) -> None:
    collections = library.collections()
    if as_json:
        print(json.dumps([{"name": c.name, "privacy": c.privacy, "roots": list(c.roots),
                           "files": c.files, "chunks": c.chunks, "pending": c.pending,
                           "semantic": c.semantic,
                           "failed": [{"path": p, "reason": r} for p, r in c.failed]}
                          for c in collections], ensure_ascii=False, indent=2))
        return
    if not collections:
        print("no document collections yet; add one with 'hearth docs add NAME PATH…'")
        return
    for c in collections:
        pending = f", {c.pending} to index" if c.pending else ""
        failed = f", {len(c.failed)} not indexed" if c.failed else ""
        search = "words and meaning" if c.semantic else "words"
        print(f"{c.name}  [{c.privacy}]  {c.files} files, {c.chunks} chunks{pending}{failed};"
              f" search by {search}")
        for root in c.roots:
            print(f"    {root}")
    _notes(library)


def _search(library: Library, args: argparse.Namespace) -> None:
    if not args.query.strip():
        raise InputError("the query is empty (the QUERY argument)")
    passages = library.search([args.name], args.query, limit=args.limit)
    if library.embedder_problem is not None:
        _notes(library)
    if args.json:
        print(json.dumps([{"collection": p.collection, "privacy": p.privacy, "path": p.path,
                           "position": p.position, "page": p.page, "score": p.score,
                           "chunk_id": p.chunk_id, "snippet": p.snippet}
                          for p in passages], ensure_ascii=False, indent=2))
        return
    if not passages:
        print("nothing found")
    for rank, p in enumerate(passages, start=1):
        print(f"{rank}. {p.path} ({p.position})  score {p.score:.4f}\n   {p.snippet}")


class _Reporter:
    """Progress on standard error: a rewritten line on a terminal (about five times a
    second), otherwise one plain line per file."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.shown = False
        self.last = 0.0
        self.last_done = (-1, -1)

    def update(self, progress: IndexProgress) -> None:
        now = time.monotonic()
        if self.live:
            if now - self.last < 0.2:
                return
            self.last = now
            self.stream.write(f"\r{_bar(progress)} {_line(progress):<100.100}")
            self.shown = True
        elif (progress.files_done, progress.vectors_done) != self.last_done:
            self.last_done = (progress.files_done, progress.vectors_done)
            self.stream.write(_line(progress) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _bar(p: IndexProgress, width: int = 20) -> str:
    """``[#######-------------]``: files read, then chunks embedded."""
    if p.embedding:
        fraction = p.vectors_done / p.vectors_total
    else:
        fraction = p.bytes_done / p.bytes_total if p.bytes_total else 1.0
    filled = round(width * min(1.0, fraction))
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _line(p: IndexProgress) -> str:
    left = f", about {p.seconds_left:.0f} s left" if p.seconds_left is not None else ""
    if p.embedding:
        rate = p.vectors_done / p.vectors_elapsed_s if p.vectors_elapsed_s > 0 else 0.0
        return (f"embedding {p.collection}: {p.vectors_done}/{p.vectors_total} chunks "
                f"({rate:.0f} chunks/s; searchable by words already){left}")
    failed = f", {p.files_failed} not indexed" if p.files_failed else ""
    return (f"indexing {p.collection}: {p.files_done}/{p.files_total} files{failed}, "
            f"{p.chunks} chunks ({p.files_per_s:.1f} files/s, {p.chunks_per_s:.0f} "
            f"chunks/s){left}")
