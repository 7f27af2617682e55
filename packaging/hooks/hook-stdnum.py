"""PyInstaller hook for python-stdnum, which the privacy gate uses to validate IBANs, national IDs
and tax numbers.

The gate imports each validator by name on first use (``desktop.core.routing._validators``), so
import analysis cannot see them: every submodule is collected (about 1 MB). Some validators read
registry files shipped beside them (the IBAN registry's ``iban.dat``, ``nl/bsn``'s tables …).
"""

from __future__ import annotations

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = collect_submodules("stdnum")
datas = collect_data_files("stdnum")
