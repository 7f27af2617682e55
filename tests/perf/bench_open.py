"""Opening a long conversation in the window: the longest GUI stall (``python -m
tests.perf.bench_open``); a figure to read, not a verdict.

A conversation of 1,000 messages (answers with receipts and some Markdown) is opened, then a
short one, ten times over, while another thread keeps saving a streaming answer into a third
conversation through the writer connection, as the inference thread does. A 1 ms timer runs
on the GUI thread throughout; the longest gap between two of its runs is the stall a user
would feel. The window reads through its own read-only connection, so the writer never makes
it wait.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_MS = 50.0
ANSWER = ("Here is **one way** to do it:\n\n```python\nfor item in items:\n    print(item)\n"
          "```\n\nThen check the output. " * 3)


def _fill(path: Path, messages: int) -> tuple[int, int, int]:
    """A long chat, a short chat and a chat for the writer; their ids."""
    from desktop.core.receipt import Receipt
    from desktop.core.store import ConversationStore

    receipt = Receipt(tier="local", provider="llama.cpp", model="bench", endpoint=None,
                      privacy="on-device", bytes_sent=0, tokens_in=120, tokens_out=80,
                      ttft_s=0.2, decode_tok_per_s=30.0, cost_usd=None,
                      cloud_equivalent_usd=None, reason="routine question")
    with ConversationStore(path) as store:
        long = store.create_conversation("a long conversation").id
        for n in range(messages // 2):
            store.add_message(long, "user", f"Question {n}: how do I loop over items?")
            store.add_message(long, "assistant", ANSWER, receipt=receipt)
        short = store.create_conversation("a short one").id
        store.add_message(short, "user", "hello")
        store.add_message(short, "assistant", "Hello!", receipt=receipt)
        busy = store.create_conversation("being answered").id
    return long, short, busy


def bench_open(messages: int, rounds: int) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    import desktop.ui  # noqa: F401 - its PySide6 workaround, before any Qt call
    from desktop.core.services import open_services
    from desktop.core.store import FILE_NAME
    from desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="hearth-bench-open-") as root:
        os.environ["HEARTH_CONFIG_DIR"] = f"{root}/config"
        os.environ["HEARTH_DATA_DIR"] = f"{root}/data"
        long, short, busy = _fill(Path(root) / "data" / FILE_NAME, messages)
        services = open_services(separate_reads=True)
        window = MainWindow(services)
        window.show()
        stop = threading.Event()

        def write() -> None:  # the inference thread saving a streaming answer
            reply = services.store.add_message(busy, "assistant", "", status="streaming")
            text = ""
            while not stop.is_set():
                text += "token "
                services.store.update_message(reply.id, content=text)
                time.sleep(0.002)

        writer = threading.Thread(target=write, daemon=True)
        gaps: list[float] = []
        opens: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setInterval(1)
        heartbeat.timeout.connect(tick)
        loop = QEventLoop()
        order = [long if i % 2 == 0 else short for i in range(2 * rounds)]

        def next_open() -> None:
            if not order:
                loop.quit()
                return
            started = time.perf_counter()
            target = order.pop(0)
            window.open_conversation(target)
            if target == long:
                opens.append(time.perf_counter() - started)
            QTimer.singleShot(60, next_open)

        writer.start()
        # Measured once the window has settled (its first paint, the renderer's warm-up).
        app.processEvents()
        QTimer.singleShot(300, lambda: (last.__setitem__(0, time.perf_counter()),
                                        heartbeat.start()))
        QTimer.singleShot(400, next_open)
        loop.exec()
        heartbeat.stop()
        stop.set()
        writer.join()
        window.shut_down()
        window.deleteLater()
        app.processEvents()
        services.close()
    gaps.sort()
    return {"stall_ms": gaps[-1] * 1000, "p99_gap_ms": gaps[int(len(gaps) * 0.99)] * 1000,
            "open_ms": statistics.median(opens) * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    found = bench_open(args.messages, args.rounds)
    met = "ok" if found["stall_ms"] <= GOAL_MS else "MISSED"
    print(f"{'max GUI stall opening ' + str(args.messages) + ' messages':<50} "
          f"{found['stall_ms']:>10.1f} ms  ≤ {GOAL_MS:.0f} ms {met}")
    print(f"{'  (open call, median; p99 timer gap)':<50} "
          f"{found['open_ms']:>10.1f} ms; {found['p99_gap_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
