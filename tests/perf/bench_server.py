"""``hearth serve`` against llama-cpp-python's own server (``python -m llama_cpp.server``):
decode speed and time to first token through each, on the same GGUF and thread count, and the
p95 time to first token with four concurrent clients.

Both run llama.cpp with its defaults (weights repacked, flash attention off); Hearth's own
defaults leave repacking off to save memory, at some decode speed (``--hearth-defaults``).
Both sample alike: greedy, no repeat penalty (llama_cpp.server's own default, 1.1, makes its
sampler scan the whole 128k vocabulary for repeats: 0.3 ms more CPU a token here, measured).

Run with ``python -m tests.perf.bench_server`` (part of ``make bench``). Both servers run as
subprocesses on 127.0.0.1 (Hearth with a throw-away config, data folder and Secret Service);
one streaming client measures each request from the moment it is sent. Every request starts
with a new prompt (the round number first), so neither server reuses its KV cache, and rounds
alternate the servers so drift in the machine's load hits both alike.

- TTFT: seconds from sending the request to the first content chunk (measured by the client).
- end-to-end tok/s: tokens / (last chunk - request sent), the rate an app sees; tokens =
  max_tokens, and every answer must end by length (checked), so the count is exact.
- decode tok/s: (tokens - 1) / (last chunk - first chunk). Flattering when a server sends
  several tokens in one burst (Hearth's engine process passes pieces in batches when the reader
  lags): then the first burst's tokens are not timed; the end-to-end rate has no such bias.
- Hearth's own time before the first token: the client's TTFT minus the engine's (the
  receipt's ``ttft_s``, measured inside the engine process from the start of the answer):
  routing, the privacy gate, the store, the pipe and HTTP. Less disturbed by the machine's load
  than the comparison of two servers.
- concurrent: four clients send at once, ``--concurrent-rounds`` times; p95 over all requests
  (queueing included: both servers answer one request at a time).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.core.cloud.secret_service import running_secret_service
from tests.modelgen import cached_model

REPO = Path(__file__).resolve().parents[2]
_START_S = 300.0


@dataclass(frozen=True)
class Server:
    name: str
    url: str  # base URL ending in /v1
    token: str
    model: str
    sampling: dict[str, float] = field(default_factory=dict)  # extra body fields it needs


@dataclass(frozen=True)
class Sample:
    ttft_s: float
    end_to_end_tok_per_s: float
    decode_tok_per_s: float | None
    engine_ttft_s: float | None = None  # Hearth's receipt: the engine's own time to first token


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("wb") as sink:
        process = subprocess.Popen(args, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                   stdout=sink, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def llama_cpp_server(model: Path, threads: int, context: int, work: Path) -> Iterator[Server]:
    port, token = _free_port(), "bench-key"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    log = work / "llama_cpp_server.log"
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
            "--model_alias", "bench", "--host", "127.0.0.1", "--port", str(port),
            "--n_threads", str(threads), "--n_threads_batch", str(threads),
            "--n_ctx", str(context), "--api_key", token,
            # Its default stops a running answer when another request arrives; queue instead,
            # as Hearth does, so four clients all get answers.
            "--interrupt_requests", "False"]
    with _process(args, env, log):
        url = f"http://127.0.0.1:{port}/v1"
        _wait_for(url, token, log)
        # Hearth's sampler has no repeat penalty (GenerationParams.repeat_penalty 1.0).
        yield Server("llama_cpp.server", url, token, "bench", {"repeat_penalty": 1.0})


@contextmanager
def hearth_server(model: Path, threads: int, context: int, work: Path, *,
                  like_llama_cpp: bool) -> Iterator[Server]:
    config, data = work / "config", work / "data"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HEARTH_CONFIG_DIR=str(config), HEARTH_DATA_DIR=str(data),
               HEARTH_POLICY_FILE=str(work / "no-policy.toml"))
    with ExitStack() as stack:
        (work / "secrets").mkdir()
        env.update(stack.enter_context(running_secret_service(work / "secrets")))
        settings = {"local.model_path": str(model), "local.threads": str(threads),
                    "local.context_size": str(context), "local.temperature": "0",
                    "local.seed": "1", "chat.system_prompt": ""}
        if like_llama_cpp:
            # llama.cpp's own defaults, which llama_cpp.server keeps: weights repacked, no flash
            # attention (Hearth leaves repacking off to save memory: README, "Memory and speed").
            settings.update({"local.repack": "on", "local.flash_attention": "off"})
        for key, value in settings.items():
            subprocess.run([sys.executable, "-m", "desktop", "config", "set", key, value],
                           cwd=REPO, env=env, check=True, capture_output=True)
        token = subprocess.run([sys.executable, "-m", "desktop", "serve", "--show-token"],
                               cwd=REPO, env=env, check=True, capture_output=True,
                               text=True).stdout.strip()
        port = _free_port()
        log = work / "hearth_serve.log"
        stack.enter_context(_process([sys.executable, "-m", "desktop", "serve", "--port",
                                      str(port)], env, log))
        url = f"http://127.0.0.1:{port}/v1"
        _wait_for(url, token, log)
        yield Server("hearth serve", url, token, "hearth-local")


def _wait_for(url: str, token: str, log: Path) -> None:
    deadline = time.monotonic() + _START_S
    with httpx.Client(trust_env=False, timeout=5.0) as client:
        while time.monotonic() < deadline:
            try:
                if client.get(f"{url}/models",
                              headers={"authorization": f"Bearer {token}"}).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {_START_S:g} s:\n"
                     f"{log.read_text(errors='replace')[-3000:]}")


def ask(server: Server, prompt: str, tokens: int, *, user: str = "bench") -> Sample:
    """One streamed request; times measured here, on the client."""
    body = {"model": server.model, "messages": [{"role": "user", "content": prompt}],
            "max_tokens": tokens, "temperature": 0.0, "seed": 1, "stream": True, "user": user,
            **server.sampling}
    first = last = None
    finish = None
    engine_ttft = None
    with httpx.Client(trust_env=False, timeout=600.0) as client:
        sent = time.perf_counter()
        with client.stream("POST", f"{server.url}/chat/completions", json=body,
                           headers={"authorization": f"Bearer {server.token}"}) as reply:
            reply.raise_for_status()
            for line in reply.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                chunk = json.loads(line[6:])
                if "hearth" in chunk:
                    engine_ttft = chunk["hearth"]["receipt"]["ttft_s"]
                for choice in chunk.get("choices", ()):
                    if choice.get("delta", {}).get("content"):
                        last = time.perf_counter()
                        first = first or last
                    finish = choice.get("finish_reason") or finish
    if first is None or last is None:
        raise SystemExit(f"{server.name}: no text in the answer")
    if finish != "length":
        raise SystemExit(f"{server.name}: the answer ended by {finish!r} before {tokens} "
                         "tokens, so its token count is unknown")
    rate = (tokens - 1) / (last - first) if last > first else None
    return Sample(first - sent, tokens / (last - sent), rate, engine_ttft)


def concurrent(server: Server, rounds: int, tokens: int) -> list[float]:
    ttfts: list[float] = []
    lock = threading.Lock()

    def client(n: int, round_no: int) -> None:
        sample = ask(server, f"{round_no}.{n} Tell me about hearths.", tokens, user=f"c{n}")
        with lock:
            ttfts.append(sample.ttft_s)

    for round_no in range(rounds):
        threads = [threading.Thread(target=client, args=(n, round_no)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return ttfts


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="GGUF file (default: the generated 1B bench)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=48, help="tokens per answer")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrent-rounds", type=int, default=2)
    parser.add_argument("--concurrent-tokens", type=int, default=8)
    parser.add_argument("--hearth-defaults", action="store_true",
                        help="run Hearth with its own defaults (weights not repacked) instead "
                             "of llama.cpp's, which llama_cpp.server uses")
    args = parser.parse_args()
    model = args.model or cached_model("bench")
    context = 2048
    print(f"model: {model.name}, threads {args.threads}, {args.tokens} tokens x {args.rounds} "
          f"rounds per server, greedy; {os.cpu_count()} CPUs (shared: other work disturbs "
          "both servers alike, runs alternate)")
    with tempfile.TemporaryDirectory(prefix="hearth-bench-server-") as folder, ExitStack() as stack:
        work = Path(folder)
        like = not args.hearth_defaults
        print("hearth serve with " + ("llama.cpp's defaults (repacked weights, flash attention "
                                      "off), as llama_cpp.server" if like else
                                      "its own defaults (weights not repacked)"))
        servers = [stack.enter_context(hearth_server(model, args.threads, context, work,
                                                     like_llama_cpp=like)),
                   stack.enter_context(llama_cpp_server(model, args.threads, context, work))]
        for server in servers:  # warm-up: first-request costs are not what is compared
            ask(server, "warm up", 4)
        samples: dict[str, list[Sample]] = {s.name: [] for s in servers}
        for round_no in range(args.rounds):
            order = servers if round_no % 2 == 0 else list(reversed(servers))
            for server in order:
                samples[server.name].append(
                    ask(server, f"{round_no} Tell me a long story about a hearth.", args.tokens))
        print("\n| server | end-to-end tok/s (median) | decode tok/s (median) | "
              "TTFT s (median) | p95 TTFT s, 4 concurrent clients |")
        print("|---|---|---|---|---|")
        figures: dict[str, tuple[float, float, float]] = {}
        for server in servers:
            mine = samples[server.name]
            whole = statistics.median(s.end_to_end_tok_per_s for s in mine)
            rate = statistics.median(s.decode_tok_per_s for s in mine if s.decode_tok_per_s)
            ttft = statistics.median(s.ttft_s for s in mine)
            p95 = _p95(concurrent(server, args.concurrent_rounds, args.concurrent_tokens))
            figures[server.name] = (whole, rate, ttft)
            print(f"| {server.name} | {whole:.2f} | {rate:.2f} | {ttft:.3f} | {p95:.3f} |",
                  flush=True)
        own = [s.ttft_s - s.engine_ttft_s for s in samples["hearth serve"]
               if s.engine_ttft_s is not None]
        print(f"\nhearth serve's own time before the first token (client TTFT - engine TTFT): "
              f"median {1000 * statistics.median(own):.0f} ms, max {1000 * max(own):.0f} ms")
        (hearth_whole, hearth_rate, hearth_ttft), (llama_whole, llama_rate, llama_ttft) = \
            figures.values()
        print(f"hearth serve / llama_cpp.server: end-to-end speed ratio "
              f"{hearth_whole / llama_whole:.3f}, decode speed ratio "
              f"{hearth_rate / llama_rate:.3f} (goal >= 0.95), TTFT ratio "
              f"{hearth_ttft / llama_ttft:.3f} (lower is better)")


if __name__ == "__main__":
    main()
