"""Hearth as a private OpenAI-compatible server for the other apps on this computer.

Every request is a turn of the same assistant the window uses: the privacy gate, the router,
escalation, offline mode, budget, receipts, ledger and audit log apply as they do there. HTTP
only lives here; the rules live in desktop.core.

Importing this package is cheap: Starlette and uvicorn load with ``serve``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.server._requests import MODEL_ROUTES
from desktop.server._token import ServerToken, masked

if TYPE_CHECKING:
    from desktop.server._serve import ServeOptions

__all__ = ["MODEL_ROUTES", "ServeOptions", "ServerToken", "masked", "serve"]


def serve(options: ServeOptions, **kwargs: object) -> None:
    """Run the server until interrupted (see ``desktop.server._serve.serve``)."""
    from desktop.server._serve import serve as run

    run(options, **kwargs)  # type: ignore[arg-type]
