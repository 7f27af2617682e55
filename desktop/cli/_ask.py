"""``hearth ask``: stream an answer to standard output, or print it as one JSON object."""

from __future__ import annotations

import argparse
import functools
import json
import os
import select
import sys
from pathlib import Path

from desktop.cli._interrupt import EXIT_INTERRUPTED, run_stoppable
from desktop.cli._question import STDIN, InputError, question_from
from desktop.cli._sources import source_lines
from desktop.core.assistant import (
    Assistant,
    ConsentChoice,
    ConsentRequest,
    TurnOptions,
    TurnResult,
    can_continue,
)
from desktop.core.chat import StopSignal
from desktop.core.receipt import Receipt
from desktop.core.services import open_services

_CONSENT_POLL_S = 0.1


def run(args: argparse.Namespace) -> int:
    prompt = _prompt(args)
    stop = StopSignal()
    services = open_services()
    try:
        for problem in services.settings.problems:
            print(f"hearth: warning: {problem}", file=sys.stderr)
        stream = None if args.json else _print_now
        consent = functools.partial(_ask_on_terminal, stop=stop) \
            if sys.stdin.isatty() and args.prompt != STDIN else None
        options = TurnOptions(
            tier=args.tier, model_path=Path(args.model).expanduser() if args.model else None,
            max_tokens=args.max_tokens, on_text=stream, stop=stop, consent=consent,
            lock_local=args.keep_local,
            collections=tuple(args.docs) if args.docs else None)
        # On a worker thread, so that Ctrl+C is noticed whatever the turn is waiting for.
        result = run_stoppable(lambda: _turn(services.assistant, args, prompt, options), stop)
    finally:
        services.close()
    interrupted = stop.is_set() or result.receipt.finish_reason == "cancelled"
    if args.json:
        print(json.dumps({"text": result.text, "conversation_id": result.conversation_id,
                          "receipt": result.receipt.to_dict()}, ensure_ascii=False))
    else:
        sys.stdout.write("\n")
        for line in source_lines(result.receipt):  # what the answer's [n] refer to
            print(line)
        sys.stdout.flush()
    if interrupted:  # one line: what was kept, and where
        print(f"hearth: interrupted; the answer so far is saved in conversation "
              f"{result.conversation_id}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.json and sys.stderr.isatty():
        print(_summary(result.receipt, result.conversation_id, result.assistant_message_id),
              file=sys.stderr)
    if result.receipt.escalation_offer:
        print(f"hearth: the local answer looks unsure; for a second opinion run: hearth ask "
              f"--tier {result.receipt.escalation_offer} --conversation "
              f"{result.conversation_id} \"...\"", file=sys.stderr)
    return 0


def _prompt(args: argparse.Namespace) -> str:
    """The question, checked as ``hearth route`` checks it; none to answer a question again."""
    if args.continue_of is not None:
        if args.prompt is not None or args.conversation is not None:
            raise InputError("--continue takes no PROMPT and no --conversation: it writes on "
                             "from the answer it names")
        return ""
    again = args.regenerate or args.again_on is not None
    if again:
        if args.conversation is None:
            raise InputError("--regenerate and --again-on answer the last question of a "
                             "conversation: give it with --conversation ID")
        if args.prompt is not None:
            raise InputError("--regenerate and --again-on take no PROMPT: they answer the "
                             "conversation's last question again")
        return ""
    if args.prompt is None:
        raise InputError("the question is missing: hearth ask PROMPT ('-' reads standard "
                         "input)")
    if args.edit is not None and args.conversation is not None:
        raise InputError("--edit names the question itself; leave out --conversation")
    return question_from(args.prompt)  # the same checks as hearth route


def _turn(assistant: Assistant, args: argparse.Namespace, prompt: str,
          options: TurnOptions) -> TurnResult:
    """The turn the command asks for: the same core calls as the window's actions."""
    if args.continue_of is not None:
        return assistant.continue_answer(args.continue_of, options=options)
    if args.regenerate:
        return assistant.regenerate(args.conversation, options=options)
    if args.again_on is not None:
        return assistant.ask_again(args.conversation, args.again_on, options=options)
    if args.edit is not None:
        return assistant.edit_and_resend(args.edit, prompt, options=options)
    return assistant.ask(prompt, conversation_id=args.conversation, options=options)


def _ask_on_terminal(request: ConsentRequest, *, stop: StopSignal) -> ConsentChoice:
    """Show exactly what would leave the device, and where, and wait for a yes (Ctrl+C: no);
    when sensitive values are in it, "r" sends it with placeholders instead of them."""
    print(f"\nhearth: about to send to {request.host} ({request.tier} tier): "
          f"{request.reason}", file=sys.stderr)
    if request.classes:
        shown = "replaced by placeholders" if request.redacted else "included as written"
        print(f"sensitive data ({', '.join(request.classes)}) {shown}", file=sys.stderr)
    print("---- payload ----\n" + request.payload + "\n-----------------", file=sys.stderr)
    if request.replaced_payload is not None:
        values = ", ".join(sorted({s.kind for s in request.spans}))
        print(f"It holds sensitive values as written ({values}). y: send it as shown; r: "
              "replace them by placeholders, then send; N: answer on this device.",
              file=sys.stderr)
        print("Send it? [y/r/N] ", end="", file=sys.stderr, flush=True)
    else:
        print("Send it? [y/N] ", end="", file=sys.stderr, flush=True)
    reply = _read_line(stop).strip().lower()
    if reply in ("y", "yes"):
        return ConsentChoice.SEND
    if reply in ("r", "replace") and request.replaced_payload is not None:
        return ConsentChoice.REPLACE
    return ConsentChoice.KEEP_LOCAL


def _read_line(stop: StopSignal) -> str:
    """A line from the terminal, or "" once ``stop`` is set (this runs on the turn's thread,
    which a Ctrl+C does not interrupt)."""
    if os.name != "posix":  # select() takes only sockets on Windows: wait for Enter
        return sys.stdin.readline()
    while not stop.is_set():
        ready, _, _ = select.select([sys.stdin], [], [], _CONSENT_POLL_S)
        if ready:
            return sys.stdin.readline()
    return ""


def _print_now(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _summary(receipt: Receipt, conversation_id: int, answer_id: int) -> str:
    speed = f"{receipt.decode_tok_per_s:.1f} tok/s" if receipt.decode_tok_per_s else "n/a"
    continued = f" · continued {receipt.continued}×, figures summed" if receipt.continued else ""
    cut = f" · stopped at the length limit: hearth ask --continue {answer_id} writes on" \
        if can_continue(receipt) else ""
    return (f"[{receipt.privacy} · {receipt.provider} · {receipt.model} · "
            f"{receipt.tokens_in} in / {receipt.tokens_out} out · {speed}{continued} · "
            f"conversation {conversation_id}{cut}]")
