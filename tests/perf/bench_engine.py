"""Hearth's local engine against raw llama-cpp-python, on the ≈1B-parameter benchmark model.

Run with ``make bench`` (or ``python -m tests.perf.bench_engine``). Both sides load the same
GGUF file with the same threads, context and batch size, and generate greedily; each side keeps
its own defaults otherwise (raw llama-cpp-python repacks the weights and turns flash attention
off; Hearth's are in the settings). Runs alternate (raw, Hearth, raw, …) so drift in machine load
hits both alike. Hearth runs the model in its engine process, so its CPU figures add that
process's CPU time (Linux). Printed figures:

- decode tok/s and time to first token, per side, and the ratio Hearth / raw;
- TTFT of turn 10 divided by turn 1 in one growing conversation (KV-cache prefix reuse);
- memory beyond the mapped model (RssAnon) of Hearth's engine process and of a process running
  only llama-cpp-python, each after answering;
- each load option's effect against Hearth's defaults (repacking, KV-cache types, flash
  attention): decode and cold-prompt TTFT ratios and memory;
- prompt lookup: its cost when every draft is rejected, its speed-up when every draft is
  accepted, and decode speed on a rewrite task and free chat with the real n-gram lookup.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.local.engine import EngineConfig, LocalEngine
from tests.modelgen import cached_model
from tests.perf import engine_figures as figures

SYSTEM = "You are Hearth, a helpful assistant running privately on this computer."
QUESTIONS = [f"Question {i}: please explain topic number {i} in a few sentences."
             for i in range(40)]


Run = tuple[float, float, int, float]  # TTFT s, decode tok/s, tokens, CPU ms per decoded token


class _Clock:
    """Wall and process-CPU time of each streamed piece after the first.

    CPU time (all threads of this process, and of Hearth's engine process when ``engine_pid`` is
    given) counts the work per token, Python overhead and the pipe between the two included,
    without the time a shared virtual machine spends running someone else.
    """

    def __init__(self, engine_pid: int | None = None) -> None:
        self.started = time.perf_counter()
        self.engine_pid = engine_pid
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def tick(self, *_: object) -> None:
        self.wall.append(time.perf_counter())
        engine = (figures.process_cpu_s(self.engine_pid) if self.engine_pid is not None
                  else 0.0)
        self.cpu.append(time.process_time() + engine)

    def run(self, count: int) -> Run:
        steps = len(self.wall) - 1
        return (self.wall[0] - self.started, steps / (self.wall[-1] - self.wall[0]), count,
                1000 * (self.cpu[-1] - self.cpu[0]) / steps)


def _raw_run(llm: Any, messages: list[dict[str, str]], max_tokens: int) -> Run:
    """The same figures for plain ``create_chat_completion(stream=True)``."""
    clock = _Clock()
    for chunk in llm.create_chat_completion(messages, max_tokens=max_tokens, temperature=0.0,
                                            stream=True):
        if chunk["choices"][0]["delta"].get("content"):
            clock.tick()
    return clock.run(len(clock.wall))


def _hearth_run(engine: LocalEngine, messages: list[ChatMessage], max_tokens: int) -> Run:
    clock = _Clock(engine.pid if sys.platform.startswith("linux") else None)
    answer = engine.chat(messages, GenerationParams(max_tokens=max_tokens, temperature=0.0),
                         on_text=clock.tick)
    return clock.run(answer.tokens_out)


def _conversation_ttfts(ask: Callable[[list[Any]], tuple[float, str]], turns: int,
                        make: Callable[[str, str], Any]) -> list[float]:
    history: list[Any] = [make("system", SYSTEM)]
    ttfts = []
    for turn in range(turns):
        history.append(make("user", QUESTIONS[turn]))
        ttft, text = ask(history)
        ttfts.append(ttft)
        history.append(make("assistant", text))
    return ttfts


SIDES = ("raw", "Hearth, raw's settings", "Hearth defaults")


def _rounds(raw: Any, engines: dict[str, LocalEngine], args: argparse.Namespace) -> float:
    """Raw llama-cpp-python and each Hearth engine in turn, the order rotating every round;
    prints each run and the medians, returns the decode ratio of Hearth's defaults to raw."""
    results: dict[str, list[Run]] = {side: [] for side in SIDES}
    for round_no in range(args.rounds):
        question = QUESTIONS[20 + round_no]
        raw_messages = [{"role": "system", "content": SYSTEM},
                        {"role": "user", "content": question}]
        hearth_messages = [ChatMessage("system", SYSTEM), ChatMessage("user", question)]
        shift = round_no % len(SIDES)
        for side in SIDES[shift:] + SIDES[:shift]:
            if side == "raw":
                results[side].append(_raw_run(raw, raw_messages, args.tokens))
            else:
                results[side].append(_hearth_run(engines[side], hearth_messages, args.tokens))
            ttft, rate, count, cpu = results[side][-1]
            print(f"  round {round_no + 1} {side:>22}: TTFT {ttft * 1000:7.1f} ms, "
                  f"decode {rate:6.2f} tok/s, {cpu:6.1f} CPU ms/token ({count} tokens)",
                  flush=True)

    def median(side: str, index: int) -> float:
        return statistics.median(run[index] for run in results[side])

    print(f"\n| figure | {' | '.join(SIDES)} | Hearth / raw |")
    print("|---|---|---|---|---|")
    for label, index, scale in (("decode tok/s (median)", 1, 1.0),
                                ("TTFT ms (median)", 0, 1000.0),
                                ("CPU ms per decoded token (median)", 3, 1.0)):
        values = [median(side, index) for side in SIDES]
        ratios = " / ".join(f"{v / values[0]:.3f}" for v in values[1:])
        print(f"| {label} | {' | '.join(f'{v * scale:.1f}' for v in values)} | {ratios} |")
    for side in SIDES[1:]:
        pairs = [h[1] / r[1] for h, r in zip(results[side], results["raw"], strict=True)]
        print(f"| decode ratio per round, {side} | | | | {' '.join(f'{p:.3f}' for p in pairs)} |")
    print("(raw's settings: weights repacked, flash attention off, as llama-cpp-python loads "
          "them; Hearth defaults: " + figures.describe(engines["Hearth defaults"].config) + ")")
    same = median(SIDES[1], 1) / median("raw", 1)
    print(f"engine process against raw, same llama.cpp settings: decode {same:.3f} "
          "(goal >= 0.97)")
    return median(SIDES[2], 1) / median("raw", 1)


def _conversation(raw: Any, engine: LocalEngine, turns: int, short: int) -> None:
    """TTFT per turn of one growing conversation on each side; each side trims its own oldest
    turns when the conversation outgrows the context (raw llama-cpp-python would refuse it)."""
    evaluated: list[int] = []
    trimmed = {"hearth": 0, "raw": 0}

    def hearth_turn(history: list[ChatMessage]) -> tuple[float, str]:
        started = time.perf_counter()
        stamps: list[float] = []
        answer = engine.chat(history, GenerationParams(max_tokens=short, temperature=0.0),
                             on_text=lambda _t: stamps.append(time.perf_counter()))
        evaluated.append(answer.tokens_in - answer.tokens_reused)
        trimmed["hearth"] = max(trimmed["hearth"], answer.trimmed_messages)
        return stamps[0] - started, answer.text

    def raw_turn(history: list[dict[str, str]]) -> tuple[float, str]:
        while True:
            try:
                return _raw_turn(raw, history, short)
            except ValueError as exc:  # "Requested tokens (N) exceed context window of M"
                if "context window" not in str(exc) or len(history) <= 3:
                    raise
                del history[1:3]  # the oldest question and answer; the system prompt stays
                trimmed["raw"] += 2

    # A new conversation in a freshly loaded model: turn 1 evaluates the system prompt too.
    engine.forget()
    hearth_ttfts = _conversation_ttfts(hearth_turn, turns, ChatMessage)
    raw.reset()
    raw_ttfts = _conversation_ttfts(raw_turn, turns,
                                    lambda role, content: {"role": role, "content": content})
    print(f"\nOne conversation of {turns} turns ({short}-token answers), TTFT per turn in ms:")
    print("  Hearth:", " ".join(f"{t * 1000:.0f}" for t in hearth_ttfts))
    print("  raw:   ", " ".join(f"{t * 1000:.0f}" for t in raw_ttfts))
    print("  prompt tokens Hearth evaluated per turn:", " ".join(map(str, evaluated)))
    if any(trimmed.values()):
        print(f"  oldest messages left out to fit the context: Hearth {trimmed['hearth']}, "
              f"raw {trimmed['raw']}")
    print(f"| TTFT turn {turns} / turn 1 | {raw_ttfts[-1] / raw_ttfts[0]:.2f} | "
          f"{hearth_ttfts[-1] / hearth_ttfts[0]:.2f} | goal <= 1.5 for Hearth |")


def _raw_turn(raw: Any, history: list[dict[str, str]], short: int) -> tuple[float, str]:
    started = time.perf_counter()
    first = None
    pieces = []
    for chunk in raw.create_chat_completion(history, max_tokens=short, temperature=0.0,
                                            stream=True):
        content = chunk["choices"][0]["delta"].get("content")
        if content:
            first = first or time.perf_counter()
            pieces.append(content)
    assert first is not None
    return first - started, "".join(pieces).strip()


def _memory(engines: dict[str, LocalEngine], model: Path, args: argparse.Namespace) -> None:
    raw = figures.raw_process_memory(
        model, context=args.context, threads=args.threads, tokens=args.tokens,
        messages=[{"role": "system", "content": SYSTEM},
                  {"role": "user", "content": QUESTIONS[20]}])
    mib = figures.MIB
    print(f"\nMemory beyond the mapped model (RssAnon after answering, context {args.context}):")
    print("| process | beyond the mapped model | of which repacked weights | KV cache |")
    print("|---|---|---|---|")
    for side in SIDES[1:]:
        info = engines[side].info
        print(f"| {side} (engine process) | "
              f"{figures.rss_anon(engines[side].pid or 0) / mib:.0f} MiB | "
              f"{info.repacked_bytes / mib:.0f} MiB | {info.kv_cache_bytes / mib:.0f} MiB "
              f"{info.kv_cache_type} |")
    print(f"| raw llama-cpp-python process | {raw['RssAnon'] / mib:.0f} MiB | (repacked) | |")
    hearth = figures.rss_anon(engines["Hearth defaults"].pid or 0)
    print(f"goal: Hearth's defaults <= 250 MB beyond the mapped model: {hearth / 1e6:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--tokens", type=int, default=128, help="tokens per answer")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--option-rounds", type=int, default=2,
                        help="rounds per load option and per prompt-lookup mode")
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--model", type=Path, help="GGUF file (default: the generated 1B model)")
    args = parser.parse_args()

    import llama_cpp

    os.environ.setdefault("HEARTH_DATA_DIR", tempfile.mkdtemp(prefix="hearth-bench-"))
    model = args.model or cached_model("bench")
    print(f"model: {model} ({model.stat().st_size / 1e6:.0f} MB); {figures.environment_note()}")
    print(f"llama.cpp: {llama_cpp.llama_print_system_info().decode().strip()}")
    print(f"threads {args.threads}, context {args.context}, {args.tokens} tokens x "
          f"{args.rounds} rounds, greedy\n")
    raw = llama_cpp.Llama(model_path=str(model), n_ctx=args.context, n_threads=args.threads,
                          n_threads_batch=args.threads, n_batch=512, verbose=False)
    config = EngineConfig(model_path=model, context_size=args.context, threads=args.threads,
                          batch_size=512)
    engines = {"Hearth defaults": LocalEngine.load(config)}
    engines[SIDES[1]] = LocalEngine.load(dataclasses.replace(config, repack="on",
                                                             flash_attention="off"))
    defaults = engines["Hearth defaults"]
    try:
        # Untimed warm-up: the first pass over a memory-mapped model pays its page faults.
        _raw_run(raw, [{"role": "user", "content": "warm up"}], 8)
        for engine in engines.values():
            _hearth_run(engine, [ChatMessage("user", "warm up")], 8)
        ratio = _rounds(raw, engines, args)
        _conversation(raw, defaults, args.turns, max(8, args.tokens // 2))
        _memory(engines, model, args)
        raw.close()
        engines.pop(SIDES[1]).close()
        figures.option_effects(defaults, rounds=args.option_rounds, tokens=args.tokens)
        figures.prompt_lookup_effects(config, rounds=args.option_rounds, tokens=args.tokens)
        print(f"\ndecode ratio Hearth defaults / raw = {ratio:.3f} (see 'repack on' above for "
              "the weights' share of it)")
    finally:
        for engine in engines.values():
            engine.close()
        raw.close()

if __name__ == "__main__":
    main()
