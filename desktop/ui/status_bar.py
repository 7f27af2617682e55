"""The strip at the bottom: which model, where it runs, how fast, how full the context is."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from desktop.core.assistant import Outlook
from desktop.core.local.engine import ModelInfo
from desktop.core.receipt import Receipt
from desktop.ui.theme import restyle
from desktop.ui.wording import outlook_status

RATE_INTERVAL_S = 0.5  # how often the live speed is refreshed while an answer streams


class HearthStatusBar(QStatusBar):
    """Shows the loaded model and the measurements of the answer being written or last written."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Status")
        self.setSizeGripEnabled(False)
        self.loading = QProgressBar()
        self.loading.setAccessibleName("Loading the model")
        self.loading.setRange(0, 0)
        self.loading.setMaximumWidth(120)
        self.loading.setTextVisible(False)
        self.loading.hide()
        self.model = _label("No model loaded", "The model that answers")
        self.backend = _label("", "Where the model runs")
        self.speed = _label("", "Speed of the answer")
        self.context = _label("", "How much of the model's context window the conversation uses")
        # What happens to the next question: where it may be answered, in words and colour.
        self.next_question = _label("", "Where the next question goes")
        self.show_outlook(Outlook(kind="escalation_off"))
        self.addWidget(self.loading)
        self.addWidget(self.model)
        self.addWidget(self.backend)
        self.addPermanentWidget(self.speed)
        self.addPermanentWidget(self.context)
        self.addPermanentWidget(self.next_question)
        self._info: ModelInfo | None = None
        self._stream_started: float | None = None
        self._stream_pieces = 0
        self._shown_at = 0.0

    @property
    def info(self) -> ModelInfo | None:
        return self._info

    # -- model -----------------------------------------------------------------------------

    def show_loading(self, path: str) -> None:
        self.loading.show()
        self.model.setText(f"Loading {_file_name(path)}…")
        self.model.setToolTip(path)
        self.backend.setText("")

    def show_model(self, info: ModelInfo) -> None:
        self._info = info
        self.loading.hide()
        self.model.setText(info.name)
        params = f"{info.parameter_count / 1e9:.2f} B parameters" if info.parameter_count else ""
        quant = f"weights stored as {info.quantization}" if info.quantization else ""
        self.model.setToolTip("\n".join(filter(None, [
            str(info.path), f"{info.architecture} {params}".strip(), quant,
            f"loaded in {info.load_s:.1f} s, {info.threads} threads",
        ])))
        self.backend.setText(backend_text(info))
        self.backend.setToolTip(info.offload_reason or f"llama.cpp built for {info.backend}")

    def show_no_model(self, reason: str = "No model loaded") -> None:
        self._info = None
        self.loading.hide()
        self.model.setText(reason)
        self.model.setToolTip("")
        self.backend.setText("")
        self.context.setText("")

    def show_outlook(self, outlook: Outlook) -> None:
        """Say what will happen to the next question of the chat shown (the core's outlook)."""
        text, tooltip = outlook_status(outlook)
        self.next_question.setText(text)
        self.next_question.setToolTip(tooltip)
        restyle(self.next_question, "CloudLabel" if outlook.may_leave else "HereLabel")

    # -- an answer -------------------------------------------------------------------------

    def begin_stream(self) -> None:
        self._stream_started = None
        self._stream_pieces = 0
        self._shown_at = 0.0
        self.speed.setText("")

    def count_pieces(self, count: int) -> None:
        """More streamed pieces (about a token each); the live speed is refreshed twice a second.

        The rate counts what came after the first batch, over the time since it came, so the
        wait for the first token (the prompt) is not part of it.
        """
        now = time.monotonic()
        if self._stream_started is None:
            self._stream_started = self._shown_at = now
            return
        self._stream_pieces += count
        if now - self._shown_at >= RATE_INTERVAL_S:
            self._shown_at = now
            rate = self._stream_pieces / (now - self._stream_started)
            self.speed.setText(f"≈ {rate:.1f} tok/s")
            self.speed.setToolTip("Counted while the answer streams; the receipt has "
                                  "llama.cpp's own measurement")

    def show_receipt(self, receipt: Receipt | None) -> None:
        """Speed and context use of the last answer of the conversation shown."""
        if receipt is None:
            self.speed.setText("")
            self.show_context(None)
            return
        speed = receipt.decode_tok_per_s
        self.speed.setText(f"{speed:.1f} tok/s" if speed is not None else "")
        self.speed.setToolTip("Answer speed measured by llama.cpp for the last answer")
        used = receipt.tokens_in + receipt.tokens_out
        self.show_context(used if receipt.tier == "local" else None)

    def show_context(self, used: int | None) -> None:
        if used is None or self._info is None:
            self.context.setText("")
            return
        size = self._info.context_size
        self.context.setText(f"Context {used:,} / {size:,}")


def backend_text(info: ModelInfo) -> str:
    """Where the model runs, in words; why not on the graphics card is the tooltip's."""
    if info.gpu_layers > 0:
        total = f" of {info.gpu_layers_total}" if info.gpu_layers_total else ""
        return f"On the GPU ({info.backend}): {info.gpu_layers}{total} layers"
    return "On the CPU"


def _label(text: str, accessible_name: str) -> QLabel:
    label = QLabel(text)
    label.setAccessibleName(accessible_name)
    return label


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
