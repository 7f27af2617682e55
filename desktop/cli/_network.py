"""``hearth network log [--since DATE] [--json] | status``: what offline mode refused."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.cli._dates import since_day
from desktop.core.netguard import OFFLINE_SETTING, NetworkLog
from desktop.core.settings import Settings

EXIT_USAGE = 2


def run(args: argparse.Namespace) -> int:
    log = NetworkLog()
    if args.action == "status":
        offline = Settings().get_bool(OFFLINE_SETTING)
        print(f"offline mode: {'on' if offline else 'off'} ({OFFLINE_SETTING})")
        print(f"refused attempts logged: {len(log.entries())} ({log.path})")
        return 0
    try:
        since = since_day(args.since)
    except ValueError as exc:
        print(f"hearth network log: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    entries = log.entries(since=since)
    if args.json:
        print(json.dumps(entries, indent=2))
        return 0
    if not entries:
        print(f"No refused connections logged ({log.path}).")
    for entry in entries:
        port = f":{entry['port']}" if entry.get("port") is not None else ""
        print(f"{entry.get('time')}  {entry.get('decision', 'blocked'):<8} "
              f"{entry.get('event', '?'):<22} {entry.get('host', '?')}{port}")
    return 0

