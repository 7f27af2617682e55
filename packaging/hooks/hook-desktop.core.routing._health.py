"""PyInstaller hook for the privacy gate's health recognizer: the medication vocabulary.

The gate reads only the dictionary file of drug-named-entity-recognition, never imports that
package (its import takes seconds and may reach the network), so the file is shipped on its own
in a folder of the same name; ``_health`` finds it there in a frozen build.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.find_spec("drug_named_entity_recognition")
datas = []
if _spec is not None and _spec.origin is not None:
    _dictionary = Path(_spec.origin).with_name("drug_ner_dictionary.pkl.bz2")
    if _dictionary.exists():
        datas.append((str(_dictionary), "drug_named_entity_recognition"))
