"""Long answers rendered off the GUI thread, so that finishing one does not freeze a frame.

A complete answer of a few thousand tokens takes tens of milliseconds to show as Markdown:
about half is markdown-it and Pygments (pure Python), half is Qt importing the HTML into a
text fragment (measured: 14 ms and 7 ms for a 15,000-character answer with code blocks).
Both run here, one job at a time, on a thread of their own; the GUI thread only copies the
parsed document into the conversation. Python threads share the GIL, but the interpreter
hands it over every few milliseconds (``sys.getswitchinterval``), so the GUI thread keeps its
frames meanwhile.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QTextDocument

from desktop.ui.markdown import Rendered, render_markdown
from desktop.ui.theme import LIGHT, Palette


@dataclass(frozen=True, slots=True)
class RenderJob:
    """One answer to render: ``before`` and ``after`` are the HTML around its body (header,
    sources, footer) as they were when it was asked for; ``key`` says which answer it is."""

    key: object
    text: str
    palette: Palette
    code_link: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class RenderResult:
    """A job done: the body, and ``before + body + after`` parsed into a document (which now
    belongs to the renderer's thread); both None when rendering raised (the GUI thread then
    renders again itself, so that the error surfaces there)."""

    job: RenderJob
    rendered: Rendered | None
    document: QTextDocument | None


class BackgroundRenderer(QObject):
    """Renders ``RenderJob``s in order on one daemon thread shared by every renderer.

    Signals:
        done(object): a ``RenderResult``, delivered on the thread this object lives in.
    """

    done = Signal(object)

    def submit(self, job: RenderJob) -> None:
        _jobs.put((job, self))
        _ensure_thread()


def warm_up() -> None:
    """Import markdown-it and Pygments and build their tables (about 0.1 s) on the worker
    thread, before the first answer needs them."""
    _jobs.put(None)
    _ensure_thread()


_jobs: queue.SimpleQueue[tuple[RenderJob, BackgroundRenderer] | None] = queue.SimpleQueue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def _ensure_thread() -> None:
    global _thread
    with _thread_lock:
        if _thread is None:
            _thread = threading.Thread(target=_work, name="hearth-markdown", daemon=True)
            _thread.start()


def _work() -> None:
    while True:
        item = _jobs.get()
        if item is None:
            # A failure here shows again where it matters: at the first render.
            with contextlib.suppress(Exception):
                render_markdown("*a*\n\n```python\npass\n```", LIGHT, code_link="hearth:warm")
            continue
        job, renderer = item
        try:
            rendered = render_markdown(job.text, job.palette, code_link=job.code_link)
            # A document, not a fragment: a document can be handed to the GUI thread
            # (moveToThread), so that what Qt creates in it later is created there.
            document = QTextDocument()
            document.setUndoRedoEnabled(False)
            document.setHtml(job.before + rendered.html + job.after)
            document.moveToThread(renderer.thread())
            result = RenderResult(job, rendered, document)
        except Exception:  # noqa: BLE001 - the GUI thread renders again, and it surfaces there
            result = RenderResult(job, None, None)
        try:
            renderer.done.emit(result)
        except RuntimeError:  # the view was closed and deleted meanwhile: nobody waits for it
            continue
