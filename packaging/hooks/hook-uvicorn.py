"""PyInstaller hook for uvicorn (``hearth serve``): the modules it imports by name, no more.

uvicorn's ``Config.load`` imports its event loop, HTTP and WebSocket protocols and lifespan
handler from strings (``"uvicorn.protocols.http.auto:AutoHTTPProtocol"`` …), so import analysis
never sees them. pyinstaller-hooks-contrib's own hook collects every uvicorn submodule (the
gunicorn worker, the reloaders, the httptools/websockets/wsproto protocols, none of which can
run here); this one, which PyInstaller prefers, names just what Hearth's configuration picks
(``desktop/server/_serve.py``: loop, http and ws left on "auto", ``lifespan="off"``) and what
each "auto" falls back to when the optional speed-ups (uvloop, httptools) and WebSocket
libraries are not installed, as in Hearth's dependencies. ``tests/packaging/test_bundle.py``
serves from the bundle, so a name missing here fails there.
"""

from __future__ import annotations

hiddenimports = [
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",  # what "auto" picks without uvloop
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",  # what "auto" picks without httptools
    "uvicorn.protocols.websockets.auto",  # None without websockets/wsproto: no WebSockets
    "uvicorn.lifespan.off",  # Hearth's choice
    "uvicorn.lifespan.on",  # uvicorn's default ("auto"), should the server ever want it
]
