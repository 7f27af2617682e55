"""PyInstaller hook for the privacy gate's validators: python-stdnum.

``_validators`` imports each stdnum module by name on first use, so import analysis never sees
stdnum at all (a hook named after stdnum would never run): this hook, named after the module
that is always imported, collects every submodule (about 1 MB) and the registry files some of
them read (the IBAN registry's ``iban.dat`` …).
"""

from __future__ import annotations

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = collect_submodules("stdnum")
datas = collect_data_files("stdnum")
