"""``hearth serve``: Hearth as an OpenAI-compatible server for the other apps on this computer.

Starlette and uvicorn are imported only here (through ``desktop.server.serve``), so the other
commands do not pay for them at start-up.
"""

from __future__ import annotations

import argparse
import sys

from desktop.server import MODEL_ROUTES, ServerToken


def run(args: argparse.Namespace) -> int:
    tokens = ServerToken()
    if args.show_token:
        print(tokens.get_or_create())
        return 0
    if args.new_token:
        tokens.renew()
        print("made a new token; a running server takes it when it next starts, and apps "
              "using the old one are refused from then on (hearth serve --show-token prints it)")
        return 0
    from desktop.server._serve import ServeOptions, serve

    options = ServeOptions(host=args.host, port=args.port, allow_network=args.allow_network)

    def ready(url: str) -> None:
        print(f"Hearth serves {url}  (models: {', '.join(MODEL_ROUTES)})", flush=True)
        print("Apps need the token: hearth serve --show-token   Stop with Ctrl+C.", flush=True)

    serve(options, on_ready=ready)
    print("hearth serve: stopped", file=sys.stderr)
    return 0
