"""Figures for ``bench_engine``: memory of a process, each load option's effect, prompt lookup.

Not a benchmark of its own (``make bench`` runs the ``bench_*`` modules): ``bench_engine`` calls
these after its Hearth-against-raw rounds, with the default engine it already has loaded.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.local._native_options import native_options, repack_weights
from desktop.core.local._prompt_lookup import Lookup
from desktop.core.local._session import LlamaSession
from desktop.core.local.engine import EngineConfig, LocalAnswer, LocalEngine

MIB = 1 << 20
# A long cold prompt, for the prompt-evaluation side of an option (repacking speeds it up).
LONG_PROMPT = " ".join(f"Item {i}: the quick brown fox jumps over the lazy dog." for i in range(40))
REWRITE = ("Fix the spelling in this text and reply with the corrected text only:\n\n"
           "Teh quarterly report shows that our revenue grew by twelve percent, while costs "
           "stayed flat. The team recieved positive feedback from customers in three new "
           "markets, and the board aproved the budget for next year. We will hire two more "
           "engineers, open an office in Lisbon, and finish the migration to the new billing "
           "system before the end of the second quarter. Please send any corections to the "
           "finance team by Friday.")
FREE_CHAT = "What are good ways to spend a rainy Sunday afternoon at home?"


def rss_anon(pid: int) -> int:
    """Anonymous resident bytes of process ``pid``: its memory beyond mapped files (the model
    file's pages are file-backed and count as RssFile). Linux only."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no RssAnon in /proc/PID/status")


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) of process ``pid``. Linux only."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_RAW_CHILD = """
import json, os, sys
import llama_cpp
args = json.loads(sys.argv[1])
llm = llama_cpp.Llama(model_path=args["model"], n_ctx=args["context"], n_batch=512,
                      n_threads=args["threads"], n_threads_batch=args["threads"], verbose=False)
llm.create_chat_completion(args["messages"], max_tokens=args["tokens"], temperature=0.0)
status = open(f"/proc/{os.getpid()}/status").read().splitlines()
print(json.dumps({k: int(v.split()[0]) * 1024 for k, v in (l.split(":", 1) for l in status)
                  if k in ("RssAnon", "RssFile")}))
"""


def raw_process_memory(model: Path, *, context: int, threads: int, tokens: int,
                       messages: list[dict[str, str]]) -> dict[str, int]:
    """RssAnon and RssFile of a process that runs only llama-cpp-python (its defaults: weights
    repacked, flash attention off), after answering ``messages`` once."""
    args = json.dumps({"model": str(model), "context": context, "threads": threads,
                       "tokens": tokens, "messages": messages})
    done = subprocess.run([sys.executable, "-c", _RAW_CHILD, args], capture_output=True,
                          text=True, check=True, timeout=600)
    figures: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


@dataclasses.dataclass
class Timed:
    """One answer as the bench saw it: wall-clock TTFT and decode rate from streamed pieces."""

    ttft_s: float
    decode_tok_per_s: float
    answer: LocalAnswer


def timed(chat: Callable[..., LocalAnswer], messages: Sequence[ChatMessage],
          params: GenerationParams, **options: Any) -> Timed:
    """Run ``chat`` and time it: tokens after the first over the time after the first piece
    (pieces can carry several tokens when drafts were accepted)."""
    stamps: list[float] = []
    started = time.perf_counter()
    answer = chat(list(messages), params, on_text=lambda _t: stamps.append(time.perf_counter()),
                  **options)
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
    return Timed(stamps[0] - started, (answer.tokens_out - 1) / span, answer)


def cold_ttft(engine: LocalEngine) -> float:
    """Time to first token for ``LONG_PROMPT`` with nothing cached (prompt evaluation speed)."""
    engine.forget()
    result = timed(engine.chat, [ChatMessage("user", LONG_PROMPT)],
                   GenerationParams(max_tokens=2, temperature=0.0))
    return result.ttft_s


# -- load options ------------------------------------------------------------------------------

OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("repack on", {"repack": "on"}),
    ("KV cache q8_0", {"kv_cache_type": "q8_0"}),
    ("KV cache q4_0", {"kv_cache_type": "q4_0"}),
    ("flash attention off", {"flash_attention": "off"}),
)


def option_effects(base: LocalEngine, *, rounds: int, tokens: int) -> None:
    """For each option: an engine with it against ``base``, runs alternating; decode and cold
    TTFT ratios (option / default) and the option engine's memory beyond the mapped model."""
    params = GenerationParams(max_tokens=tokens, temperature=0.0)
    question = [ChatMessage("user", FREE_CHAT)]
    print("\n| option (against the defaults) | decode ratio | cold-prompt TTFT ratio | "
          "memory beyond the mapped model | repacked | KV cache |")
    print("|---|---|---|---|---|---|")
    base_memory = rss_anon(_pid(base))
    print(f"| defaults ({describe(base.config)}) | 1 | 1 | {base_memory / MIB:.0f} MiB | "
          f"{base.info.repacked_bytes / MIB:.0f} MiB | {base.info.kv_cache_bytes / MIB:.0f} MiB "
          f"{base.info.kv_cache_type} |")
    for name, change in OPTIONS:
        engine = LocalEngine.load(dataclasses.replace(base.config, **change))
        try:
            timed(engine.chat, question, GenerationParams(max_tokens=8, temperature=0.0))
            decode: list[float] = []
            ttft: list[float] = []
            for round_no in range(rounds):
                pair = (base, engine) if round_no % 2 == 0 else (engine, base)
                rates = {id(e): timed(e.chat, question, params).decode_tok_per_s for e in pair}
                decode.append(rates[id(engine)] / rates[id(base)])
                cold = {id(e): cold_ttft(e) for e in pair}
                ttft.append(cold[id(engine)] / cold[id(base)])
            memory = rss_anon(_pid(engine))
            print(f"| {name} | {statistics.median(decode):.3f} | {statistics.median(ttft):.3f} | "
                  f"{memory / MIB:.0f} MiB | {engine.info.repacked_bytes / MIB:.0f} MiB | "
                  f"{engine.info.kv_cache_bytes / MIB:.0f} MiB {engine.info.kv_cache_type} |",
                  flush=True)
        finally:
            engine.close()


def _pid(engine: LocalEngine) -> int:
    assert engine.pid is not None
    return engine.pid


def describe(config: EngineConfig) -> str:
    return (f"repack {config.repack}, KV {config.kv_cache_type}, flash attention "
            f"{config.flash_attention}, prompt lookup {'on' if config.prompt_lookup else 'off'}")


# -- prompt lookup -----------------------------------------------------------------------------


class _Recorder:
    """Passes drafts on from ``lookup`` and keeps the longest token history it was shown."""

    def __init__(self, lookup: Lookup | None = None) -> None:
        self.history = np.zeros(0, dtype=np.intc)
        self._lookup = lookup

    def __call__(self, history: np.ndarray, limit: int) -> Sequence[int]:
        self.history = np.array(history)
        return self._lookup(history, limit) if self._lookup is not None else ()


def _oracle(expected: np.ndarray) -> Lookup:
    def lookup(history: np.ndarray, limit: int) -> Sequence[int]:
        return [int(t) for t in expected[len(history):len(history) + limit]]
    return lookup


def _greedy_continuation(session: LlamaSession, messages: list[ChatMessage],
                         tokens: int) -> np.ndarray:
    """Prompt and greedy answer as the model produces them while checking drafts.

    llama.cpp's batched kernels round differently from its one-token kernels (on quantized
    weights), so a near-tie can go the other way once drafts are checked in batches: the
    answer recorded while following the previous record is recorded again until every draft
    is accepted (or eight tries; each try moves the first disagreement later). The answer runs
    past ``tokens`` so the last draft is whole.
    """
    params = GenerationParams(max_tokens=tokens + 16, temperature=0.0)
    recorder = _Recorder()
    session.chat(messages, params, on_text=lambda _t: None, prompt_lookup=True, lookup=recorder)
    expected = recorder.history
    for _ in range(8):
        recorder = _Recorder(_oracle(expected))
        answer = session.chat(messages, params, on_text=lambda _t: None, prompt_lookup=True,
                              lookup=recorder)
        expected = recorder.history
        if answer.accepted_tokens == answer.drafted_tokens:
            break
    return expected


def _always_wrong(history: np.ndarray, limit: int) -> Sequence[int]:
    # <unk> (id 0): never the greedy choice of the generated models, whose row for it is zero.
    return [0] * limit


def prompt_lookup_effects(config: EngineConfig, *, rounds: int, tokens: int) -> None:
    """Decode speed with prompt lookup against plain decoding, in this process: drafts that are
    always rejected (its cost), always accepted (its ceiling), and the n-gram lookup itself on
    a rewrite and on free chat (a real model is needed for those two to mean anything)."""
    session = LlamaSession.load(config)
    params = GenerationParams(max_tokens=tokens, temperature=0.0)
    try:
        rewrite = [ChatMessage("user", REWRITE)]
        expected = _greedy_continuation(session, rewrite, tokens)
        chat = [ChatMessage("user", FREE_CHAT)]
        modes: dict[str, tuple[list[ChatMessage], dict[str, Any]]] = {
            "rewrite, plain": (rewrite, {"prompt_lookup": False}),
            "rewrite, drafts always rejected": (rewrite, {"prompt_lookup": True,
                                                          "lookup": _always_wrong}),
            "rewrite, drafts always accepted": (rewrite, {"prompt_lookup": True,
                                                          "lookup": _oracle(expected)}),
            "rewrite, prompt lookup": (rewrite, {"prompt_lookup": True}),
            "free chat, plain": (chat, {"prompt_lookup": False}),
            "free chat, prompt lookup": (chat, {"prompt_lookup": True}),
        }
        runs: dict[str, list[Timed]] = {name: [] for name in modes}
        for round_no in range(rounds):
            order = list(modes) if round_no % 2 == 0 else list(reversed(modes))
            for name in order:
                messages, options = modes[name]
                runs[name].append(timed(session.chat, messages, params, **options))
    finally:
        session.close()
    rate = {name: statistics.median(r.decode_tok_per_s for r in found)
            for name, found in runs.items()}
    print(f"\nPrompt lookup, in-process, {tokens}-token greedy answers, median of {rounds}:")
    print("| mode | decode tok/s | against plain | drafted / accepted tokens (last run) |")
    print("|---|---|---|---|")
    for name, found in runs.items():
        base = "free chat, plain" if name.startswith("free chat") else "rewrite, plain"
        last = found[-1].answer
        print(f"| {name} | {rate[name]:.2f} | {rate[name] / rate[base]:.3f} | "
              f"{last.drafted_tokens} / {last.accepted_tokens} |")
    print(f"prompt lookup cost when no draft is accepted: "
          f"{rate['rewrite, drafts always rejected'] / rate['rewrite, plain']:.3f} x plain "
          f"(goal >= 0.95); when every draft is accepted: "
          f"{rate['rewrite, drafts always accepted'] / rate['rewrite, plain']:.2f} x")
    print("\nWhat checking a draft costs (raw llama.cpp batches in this process):")
    verification_costs(config)


def verification_costs(config: EngineConfig, *, repeats: int = 5) -> None:
    """Time of one batch of 1 + k tokens with logits for every position (what checking a draft
    of k tokens costs) against one token: the speed-up if every draft were accepted is
    (1 + k) x t(1) / t(1 + k), before Python's share."""
    import llama_cpp

    with native_options(llama_cpp, repack=repack_weights(config.repack),
                        flash_attention=config.flash_attention,
                        kv_cache_type=config.kv_cache_type):
        llm = llama_cpp.Llama(model_path=str(config.model_path), n_ctx=config.context_size,
                              n_batch=config.batch_size, n_threads=config.resolved_threads,
                              n_threads_batch=config.resolved_threads, verbose=False)
    try:
        prompt = llm.tokenize(LONG_PROMPT.encode())[:200]
        llm.eval(prompt)
        times: dict[int, list[float]] = {}
        for _ in range(repeats):
            for size in (1, 2, 3, 5, 9):
                llm._ctx.kv_cache_seq_rm(-1, len(prompt), -1)
                started = time.perf_counter()
                llm._batch.set_batch(batch=prompt[:size], n_past=len(prompt), logits_all=True)
                llm._ctx.decode(llm._batch)
                times.setdefault(size, []).append(time.perf_counter() - started)
    finally:
        llm.close()
    single = statistics.median(times[1])
    print("| batch (last token + draft) | ms (median) | x one token | speed-up if all accepted |")
    print("|---|---|---|---|")
    for size, found in times.items():
        took = statistics.median(found)
        print(f"| 1 + {size - 1} | {took * 1000:.1f} | {took / single:.2f} | "
              f"{size * single / took:.2f} |")


def environment_note() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"load average {load:.2f} on {os.cpu_count()} CPUs at the start"
