"""What the engine process costs per token: ``LocalEngine`` against the same code in-process.

Run with ``python -m tests.perf.bench_engine_process`` (part of ``make bench``). Both sides run
``LlamaSession`` on the same GGUF (default: the generated tiny Q4_K_M model, one thread, ~10k
tokens a second, where a per-token cost shows most); the engine process adds the pipe, the
pickled messages and a second process's wake-ups. Runs alternate so drift in machine load hits
both alike. Printed per side: wall-clock µs per token (median of rounds), llama.cpp's own decode
rate, and CPU µs per token summed over all rounds and over both processes (Linux: /proc), which a
shared machine disturbs least.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.local._session import LlamaSession
from desktop.core.local.engine import EngineConfig, LocalEngine
from tests.modelgen import cached_model
from tests.perf.engine_figures import process_cpu_s


def _cpu_s(pid: int | None) -> float:
    """CPU seconds of this process, plus those of process ``pid`` when given (Linux /proc)."""
    return time.process_time() + (process_cpu_s(pid) if pid is not None else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="GGUF file (default: tiny Q4_K_M)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=900, help="tokens per answer")
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    os.environ.setdefault("HEARTH_DATA_DIR", tempfile.mkdtemp(prefix="hearth-bench-"))
    model = args.model or cached_model("tiny-q4_k_m")
    config = EngineConfig(model_path=model, context_size=max(1024, args.tokens + 128),
                          threads=args.threads, batch_size=512)
    sides: dict[str, LlamaSession | LocalEngine] = {
        "in-process": LlamaSession.load(config), "engine process": LocalEngine.load(config)}
    params = GenerationParams(max_tokens=args.tokens, temperature=0.0)
    rows: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in sides}
    print(f"model: {model.name}, threads {args.threads}, {args.tokens} tokens x "
          f"{args.rounds} rounds, greedy")
    for round_no in range(args.rounds):
        order = list(sides) if round_no % 2 == 0 else list(reversed(sides))
        for name in order:
            engine = sides[name]
            pid = engine.pid if isinstance(engine, LocalEngine) else None
            question = [ChatMessage("user", f"question {round_no}, tell me more")]
            wall, cpu = time.perf_counter(), _cpu_s(pid)
            answer = engine.chat(question, params, on_text=lambda _t: None)
            wall, cpu = time.perf_counter() - wall, _cpu_s(pid) - cpu
            rows[name].append((wall, cpu, answer.decode_tok_per_s or 0.0, answer.tokens_out))
    print("\n| side | wall µs/token (median) | llama.cpp decode tok/s (median) | "
          "CPU µs/token (all rounds, all processes) |")
    print("|---|---|---|---|")
    per_token: dict[str, tuple[float, float]] = {}
    for name, runs in rows.items():
        wall = statistics.median(1e6 * w / n for w, _c, _r, n in runs)
        cpu = 1e6 * sum(c for _w, c, _r, _n in runs) / sum(n for *_x, n in runs)
        per_token[name] = (wall, cpu)
        rate = statistics.median(r for _w, _c, r, _n in runs)
        print(f"| {name} | {wall:.1f} | {rate:.0f} | {cpu:.1f} |")
    (wall_in, cpu_in), (wall_out, cpu_out) = per_token["in-process"], per_token["engine process"]
    print(f"\nengine process per token: wall {wall_out - wall_in:+.1f} µs "
          f"(speed ratio {wall_in / wall_out:.3f}), CPU {cpu_out - cpu_in:+.1f} µs "
          f"(ratio {cpu_in / cpu_out:.3f})")
    for engine in sides.values():
        engine.close()


if __name__ == "__main__":
    main()
