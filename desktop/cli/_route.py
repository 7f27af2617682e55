"""``hearth route``: where a question would be answered, and exactly what would leave."""

from __future__ import annotations

import argparse
import dataclasses
import json

from desktop.cli._question import question_from
from desktop.core.services import open_services


def run(args: argparse.Namespace) -> int:
    prompt = question_from(args.prompt)  # the same checks as hearth ask
    services = open_services()
    try:
        preview = services.assistant.route(prompt, conversation_id=args.conversation,
                                           tier=args.tier,
                                           collections=tuple(args.docs) if args.docs else None)
    finally:
        services.close()
    decision = preview.decision
    report = {
        "tier": decision.tier,
        "reason": decision.reason,
        "code": decision.code,
        "findings": [{"kind": f.kind, "start": f.start, "end": f.end} for f in decision.findings],
        "classes": list(decision.classes),
        "host": preview.host,
        "payload": preview.payload,
        "sources": [dataclasses.asdict(s) for s in preview.sources],
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"{decision.tier}: {decision.reason}")
    for finding in decision.findings:
        print(f"  {finding.kind} at {finding.start}-{finding.end}")
    if preview.payload is not None:
        print(f"\nwould send to {preview.host}:\n{preview.payload}")
    return 0
