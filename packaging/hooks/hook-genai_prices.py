"""PyInstaller hook for genai-prices: its metadata, and the data module it imports lazily.

``import genai_prices`` reads its own version from the distribution metadata, so without it a
frozen build cannot import the package and every cloud list price would be unknown. Hearth
imports the bundled price data (``genai_prices.data``) inside a function, on the first quote.
"""

from __future__ import annotations

from PyInstaller.utils.hooks import copy_metadata

datas = copy_metadata("genai-prices")
hiddenimports = ["genai_prices.data", "genai_prices.data_snapshot"]
