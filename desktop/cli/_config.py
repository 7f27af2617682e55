"""``hearth config list | get | set | reset``."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.core.audit import AuditLog, watch_privacy_settings
from desktop.core.settings import Settings, setting_for


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    watch_privacy_settings(settings, AuditLog())  # privacy changes land in the audit log
    for problem in settings.problems:
        print(f"hearth: warning: {problem}")
    if args.action == "list":
        return _list(settings, as_json=args.json)
    if args.action == "get":
        print(_show(settings.get(args.key)))
        reason = settings.locked_reason(args.key)
        if reason:
            print(f"hearth: note: {reason}", file=sys.stderr)
        return 0
    if args.action == "reset":
        value = settings.reset(args.key)
    else:
        value = settings.set_text(args.key, args.value)
    note = "  (takes effect when the model is next loaded)" \
        if setting_for(args.key).restart_required else ""
    print(f"{args.key} = {_show(value)}{note}")
    if args.key == "cloud.escalation" and value is True:
        print(ESCALATION_EXPLAINED, file=sys.stderr)
    return 0


ESCALATION_EXPLAINED = """
What this means: questions may now leave this computer for the private server or the cloud
provider configured under tiers.* — the question, the earlier messages of its conversation and
the system prompt. A question leaves only when you ask for a cloud tier (--tier), when it looks
too hard for the local model (routing.difficulty_threshold), or, if you turn it on, when a local
answer looks unsure (routing.cascade). It never leaves while offline mode is on, in a chat
locked to this device, once the monthly budget is spent, or when it holds sensitive data your
privacy.* policy keeps local (by default every kind). Each answer's receipt shows the host and
the exact text sent; 'hearth route --json "..."' shows the decision without sending anything.
Turn it off again with: hearth config set cloud.escalation false"""


def _list(settings: Settings, *, as_json: bool) -> int:
    if as_json:
        print(json.dumps({s.key: value for s, value in settings.items()}, indent=2))
        return 0
    items = list(settings.items())
    width = max(len(s.key) for s, _ in items)
    any_locked = False
    for setting, value in items:
        locked = settings.locked_reason(setting.key) is not None
        any_locked = any_locked or locked
        marker = "L" if locked else " " if settings.is_default(setting.key) else "*"
        print(f"{marker} {setting.key:<{width}} = {_show(value)}")
        print(f"  {'':<{width}}   {setting.description}")
        allowed = settings.allowed_values(setting.key)
        if allowed is not None and not locked:
            print(f"  {'':<{width}}   Allowed by your organisation's policy: "
                  f"{', '.join(_show(v) for v in allowed)}.")
    print(f"\n* changed from the default; file: {settings.path}")
    if any_locked:
        print(f"L set by your organisation's policy: {settings.policy.path}")
    return 0


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if value == "" or value != value.strip() \
            else value
    return str(value)
