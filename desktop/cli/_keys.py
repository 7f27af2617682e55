"""``hearth keys set | status | delete``: API keys in the OS keyring, never echoed or printed."""

from __future__ import annotations

import argparse
import getpass
import sys

from desktop.core.cloud import PROVIDERS, InvalidKeyError, KeyStore


def run(args: argparse.Namespace, keys: KeyStore | None = None) -> int:
    keys = keys or KeyStore()
    if args.action == "set":
        return _set(keys, args.provider)
    if args.action == "delete":
        removed = keys.delete(args.provider)
        print(f"removed the {args.provider} key" if removed
              else f"no {args.provider} key was stored")
        return 0
    return _status(keys)


def _set(keys: KeyStore, provider: str) -> int:
    if sys.stdin is None:
        raise InvalidKeyError("no key given: pipe it to standard input")
    if sys.stdin.isatty():
        key = getpass.getpass(f"{provider} key (typing is hidden): ")
    else:
        key = sys.stdin.read()
    if not key.strip():
        raise InvalidKeyError("no key given on standard input; nothing was stored")
    keys.set(provider, key)
    print(f"stored the {provider} key in the OS keyring ({keys.backend_name()})")
    return 0


def _status(keys: KeyStore) -> int:
    name = keys.backend_name()
    present = {provider: keys.get(provider) is not None for provider in PROVIDERS}
    print(f"keyring: {name}")
    width = max(len(p) for p in PROVIDERS)
    for provider in PROVIDERS:
        print(f"  {provider:<{width}}  {'stored' if present[provider] else 'not set'}")
    return 0
