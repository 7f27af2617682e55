"""PyInstaller hook for AnyIO (under Starlette, for ``hearth serve``): the asyncio back end.

AnyIO imports its back end by name when first used (``anyio._backends._<name>``). uvicorn runs
Starlette on asyncio, so that is the only one; pyinstaller-hooks-contrib's hook (which this one
replaces) also ships the trio back end, which cannot import without trio.
"""

from __future__ import annotations

hiddenimports = ["anyio._backends._asyncio"]
