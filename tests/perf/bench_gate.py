"""The privacy gate: recall per class and false positives on the labelled corpus, and the time
to scan a realistic 4 KB prompt.

Run with ``python -m tests.perf.bench_gate`` (also part of ``make bench``). Printed:

- recall per class and per group, and the false-positive rate, for each part of the corpus in
  ``tests/core/routing/corpus`` (how each part was used: ``tests/core/routing/corpus_eval.py``);
- the wall-clock time of ``scan_conversation`` per corpus prompt (every part), median and p95;
- the wall-clock and thread CPU time of ``scan`` on a 4 KB prompt (prose, a Python snippet, a
  log excerpt and a few sensitive values), median and p99 over ``--runs`` runs (default 1000),
  and of ``scan`` + ``redact``.

Goals: recall ≥ 99 % (identifiers, secrets), ≥ 95 % (free text), false positives ≤ 5 %, scan
median ≤ 2 ms and p99 ≤ 10 ms. The exit status is 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from desktop.core.routing import redact, scan, scan_conversation, warm_up
from tests.core.routing.corpus_eval import FP_GOAL, GOALS, GROUPS, PARTS, evaluate, load, report

MEDIAN_GOAL_MS = 2.0
P99_GOAL_MS = 10.0

_PROMPT_PARTS = (
    "Hi! I'm preparing the quarterly migration of our billing service and could use a second "
    "pair of eyes. The plan is to move the nightly export job off the old VM and onto the new "
    "container cluster before the end of the month, without changing what the finance team "
    "receives. Below is the current script, a log excerpt from last night, and the notes from "
    "our call. Please review the code for bugs, suggest how to make the retry logic more robust, "
    "and draft a short e-mail to the finance team explaining the change.\n\n",
    "```python\n"
    "import csv\nimport time\nfrom datetime import date, timedelta\n\n"
    "BATCH_SIZE = 500\nMAX_RETRIES = 3\nTIMEOUT_S = 30.0\nVERSION = \"2.14.3\"\n\n"
    "def export(rows, out_path, day=None):\n"
    "    day = day or date.today() - timedelta(days=1)\n"
    "    written = 0\n"
    "    with open(out_path, \"w\", newline=\"\") as handle:\n"
    "        writer = csv.writer(handle)\n"
    "        writer.writerow([\"invoice\", \"amount\", \"currency\", \"day\"])\n"
    "        for start in range(0, len(rows), BATCH_SIZE):\n"
    "            batch = rows[start:start + BATCH_SIZE]\n"
    "            for attempt in range(MAX_RETRIES):\n"
    "                try:\n"
    "                    writer.writerows((r.id, r.amount / 100, r.currency, day) for r in batch)\n"
    "                    written += len(batch)\n"
    "                    break\n"
    "                except OSError:\n"
    "                    time.sleep(2 ** attempt * 0.5)\n"
    "    return written  # e.g. 123 * 456 = 56088 rows on a busy day\n"
    "```\n\n",
    "Log excerpt (times in UTC):\n"
    "2024-05-01T02:00:03Z INFO export started run=9f3c2e1a-4b7d-4c8e-9a2f-1d3e5b7c9a0b\n"
    "2024-05-01T02:00:04Z INFO connecting to db-replica-2 (10.20.30.41:5432) as exporter\n"
    "2024-05-01T02:03:17Z WARN slow batch 41 took 12.7 s (threshold 10 s), commit a1b2c3d\n"
    "2024-05-01T02:07:55Z INFO wrote 48213 rows to /srv/export/2024-04-30.csv (5.2 MB)\n"
    "2024-05-01T02:07:56Z INFO export finished in 473.1 s, exit=0, build 1.2.3.4\n\n",
    "Notes from the call with Maria Jansen (maria.jansen@example.com, +31 6 1234 5678): she "
    "wants the totals per currency at the top of the file and asked whether we can keep the "
    "old column order for one more month. The refund of invoice #20240417-0932 should be "
    "booked on card 4111 1111 1111 1111 and the supplier's IBAN is NL91 ABNA 0417 1643 00. "
    "She also mentioned the colour #1e90ff for the dashboard header and a budget of about "
    "12,500 EUR for the whole project. The service account password: Winter2024!Export "
    "should be rotated after the move.\n\n",
    "Constraints: the job must finish within 15 minutes, must not hold a transaction open for "
    "more than 30 s, and must produce byte-identical output for the same input so finance can "
    "diff two runs. We run Python 3.11 on the new cluster, PostgreSQL 15, and the container has "
    "512 MiB of memory. Please keep the answer practical: concrete code changes first, then "
    "the e-mail draft, then anything else you noticed. ",
)


def realistic_prompt(size: int = 4096) -> str:
    """Prose, code, a log and a few sensitive values, padded with prose to ``size`` chars."""
    text = "".join(_PROMPT_PARTS)
    filler = ("Thanks in advance; a careful review now saves us a long night later, and the "
              "team would rather fix the retry loop once than patch it every week. ")
    while len(text) < size:
        text += filler
    return text[:size]


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _corpus() -> bool:
    met = True
    for part in PARTS:
        score = evaluate(load(part), scan_conversation)
        print("\n".join(report(score, part)))
        met &= all(score.recall(c) >= GOALS[g] for g, c in GROUPS.items())
        met &= score.fp_rate <= FP_GOAL
    return met


def _per_prompt(rounds: int = 5) -> list[float]:
    """Wall-clock ms of ``scan_conversation`` for each corpus prompt, ``rounds`` times each."""
    entries = [entry for part in PARTS for entry in load(part)]
    samples = []
    for _ in range(rounds):
        for entry in entries:
            started = time.perf_counter()
            scan_conversation(entry.messages)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _timed(action: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    wall_ms, cpu_ms = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        action()
        cpu_ms.append((time.thread_time() - started_cpu) * 1000)
        wall_ms.append((time.perf_counter() - started) * 1000)
    return wall_ms, cpu_ms


def main() -> int:
    parser = argparse.ArgumentParser(description="Privacy gate: corpus recall and 4 KB timing.")
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()

    started = time.perf_counter()
    warm_up()  # the medication vocabulary, loaded once per process
    print(f"medication vocabulary loaded in {(time.perf_counter() - started) * 1000:.0f} ms "
          "(once per process)")
    corpus_met = _corpus()
    per_prompt = _per_prompt()
    print(f"scan_conversation per corpus prompt, wall, {len(per_prompt)} scans: "
          f"median {statistics.median(per_prompt):.3f} ms, "
          f"p95 {_percentile(per_prompt, 0.95):.3f} ms, max {max(per_prompt):.3f} ms")

    prompt = realistic_prompt()
    findings = scan(prompt)
    for _ in range(20):  # warm caches and the allocator
        redact(prompt, scan(prompt))
    kinds = ", ".join(f.kind for f in findings)
    print(f"prompt: {len(prompt.encode())} bytes, {len(findings)} findings ({kinds})")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    scan_wall, scan_cpu = _timed(lambda: scan(prompt), args.runs)
    both_wall, _ = _timed(lambda: redact(prompt, scan(prompt)), args.runs)
    for label, samples in (("scan, wall", scan_wall), ("scan, cpu", scan_cpu),
                           ("scan + redact, wall", both_wall)):
        print(f"{label:20s} over {args.runs} runs: median {statistics.median(samples):.3f} ms, "
              f"p99 {_percentile(samples, 0.99):.3f} ms, min {min(samples):.3f} ms")
    median, p99 = statistics.median(scan_wall), _percentile(scan_wall, 0.99)
    timing_met = median <= MEDIAN_GOAL_MS and p99 <= P99_GOAL_MS
    print(f"goals: scan median <= {MEDIAN_GOAL_MS:.0f} ms and p99 <= {P99_GOAL_MS:.0f} ms: "
          f"{'meets' if timing_met else 'misses'}; corpus: "
          f"{'meets' if corpus_met else 'misses'}")
    return 0 if timing_met and corpus_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
