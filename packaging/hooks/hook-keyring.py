"""PyInstaller hook for keyring: every backend module, and the metadata that lists them.

keyring finds its backends through the ``keyring.backends`` entry points of its distribution
metadata, so without that metadata a frozen build falls back to the fail backend. On Linux the
Secret Service backend talks D-Bus through SecretStorage and jeepney, both imported lazily.
"""

from __future__ import annotations

import sys

from PyInstaller.utils.hooks import collect_submodules, copy_metadata

hiddenimports = collect_submodules("keyring.backends")
datas = copy_metadata("keyring")
if sys.platform.startswith("linux"):
    hiddenimports += collect_submodules("secretstorage") + collect_submodules("jeepney")
    datas += copy_metadata("SecretStorage") + copy_metadata("jeepney")
