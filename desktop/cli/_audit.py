"""``hearth audit verify | export [--since DATE]``."""

from __future__ import annotations

import argparse
import sys

from desktop.cli._dates import since_day
from desktop.core.audit import AuditLog

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_TAMPERED = 3


def run(args: argparse.Namespace) -> int:
    log = AuditLog()
    if args.action == "verify":
        result = log.verify()
        if result.ok:
            print(f"audit log intact: {result.records} record(s) in {log.path}")
            return EXIT_OK
        where = f" at line {result.first_bad_line}" if result.first_bad_line else ""
        print(f"audit log TAMPERED or damaged{where}: {result.problem}. "
              f"{result.records} record(s) before it check out. File: {log.path}",
              file=sys.stderr)
        return EXIT_TAMPERED
    try:
        since = since_day(args.since)
    except ValueError as exc:
        print(f"hearth audit export: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for line in log.lines(since=since):
        print(line)
    return EXIT_OK

