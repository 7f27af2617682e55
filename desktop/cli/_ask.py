"""``hearth ask``: stream an answer to standard output, or print it as one JSON object."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from types import FrameType

from desktop.core.receipt import Receipt
from desktop.core.assistant import ConsentRequest
from desktop.core.chat import StopSignal
from desktop.core.services import open_services


def run(args: argparse.Namespace) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        print("hearth ask: error: the question is empty", file=sys.stderr)
        return 2
    stop = StopSignal()
    previous = signal.signal(signal.SIGINT, _stop_on_interrupt(stop))
    services = open_services()
    try:
        for problem in services.settings.problems:
            print(f"hearth: warning: {problem}", file=sys.stderr)
        stream = None if args.json else _print_now
        result = services.assistant.ask(
            prompt, conversation_id=args.conversation, tier=args.tier,
            model_path=Path(args.model).expanduser() if args.model else None,
            max_tokens=args.max_tokens, on_text=stream, stop=stop,
            consent=_ask_on_terminal if sys.stdin.isatty() and args.prompt != "-" else None,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        services.close()
    if args.json:
        print(json.dumps({"text": result.text, "conversation_id": result.conversation_id,
                          "receipt": result.receipt.to_dict()}, ensure_ascii=False))
    else:
        sys.stdout.write("\n")
        sys.stdout.flush()
        if sys.stderr.isatty():
            print(_summary(result.receipt, result.conversation_id), file=sys.stderr)
    if result.receipt.escalation_offer:
        print(f"hearth: the local answer looks unsure; for a second opinion run: hearth ask "
              f"--tier {result.receipt.escalation_offer} --conversation "
              f"{result.conversation_id} \"...\"", file=sys.stderr)
    return 130 if result.receipt.finish_reason == "cancelled" else 0


def _ask_on_terminal(request: ConsentRequest) -> bool:
    """Show exactly what would leave the device, and where, and wait for a yes."""
    print(f"\nhearth: about to send to {request.host} ({request.tier} tier): "
          f"{request.reason}", file=sys.stderr)
    if request.classes:
        shown = "replaced by placeholders" if request.redacted else "included as written"
        print(f"sensitive data ({', '.join(request.classes)}) {shown}", file=sys.stderr)
    print("---- payload ----\n" + request.payload + "\n-----------------", file=sys.stderr)
    try:
        return input("Send it? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _print_now(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _stop_on_interrupt(stop: StopSignal) -> signal.Handlers | object:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # a second Ctrl+C gives up at once
        stop.set()

    return handler


def _summary(receipt: Receipt, conversation_id: int) -> str:
    speed = f"{receipt.decode_tok_per_s:.1f} tok/s" if receipt.decode_tok_per_s else "n/a"
    return (f"[{receipt.privacy} · {receipt.provider} · {receipt.model} · "
            f"{receipt.tokens_in} in / {receipt.tokens_out} out · {speed} · "
            f"conversation {conversation_id}]")
