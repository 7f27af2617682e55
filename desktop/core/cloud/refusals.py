"""Keys a provider refused (HTTP 401/403), remembered until the key is changed.

A refused key fails every question the same way, so a tier whose key was refused is not
offered (the outlook, "ask again") and not routed to until the user stores or removes that
key; the outlook says why. The memory is one small JSON file in the data folder, shared by
the window and the CLI; it holds the provider, the HTTP status, the host and the time, never
the key or anything derived from it. ``KeyStore.set`` and ``KeyStore.delete`` forget the
refusal of the key they change.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop.core.paths import data_dir, private_folder, restrict

log = logging.getLogger(__name__)

FILE_NAME = "refused_keys.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """One provider's refusal of its stored key: ``account`` is the keyring account
    ("anthropic", "openai", "gemini" or "private"), ``status`` the HTTP status (401 or 403),
    ``host`` who refused it and ``at`` when (ISO 8601, UTC)."""

    account: str
    status: int
    host: str
    at: str

    def sentence(self) -> str:
        """``"the key was refused by api.anthropic.com (HTTP 401) on 2026-11-29"``."""
        return f"the key was refused by {self.host} (HTTP {self.status}) on {self.at[:10]}"


class RefusedKeys:
    """The remembered refusals, in ``path`` (default: ``refused_keys.json`` in the data folder).

    Reads are cached by the file's modification time, so a front end may ask on its GUI
    thread at every change of the settings; a change made by another process is seen.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / FILE_NAME
        self._cache: tuple[float, dict[str, Refusal]] | None = None

    def get(self, account: str) -> Refusal | None:
        """The refusal of ``account``'s key, or None when it was not refused (or since changed)."""
        return self._read().get(account)

    def note(self, account: str, *, status: int, host: str,
             now: datetime | None = None) -> Refusal:
        """Remember that ``host`` refused ``account``'s key with ``status``."""
        when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        refusal = Refusal(account=account, status=status, host=host, at=when)
        self._write({**self._read(), account: refusal})
        return refusal

    def forget(self, account: str) -> None:
        """The key of ``account`` changed: offer its tier again."""
        entries = self._read()
        if account in entries:
            self._write({k: v for k, v in entries.items() if k != account})

    def _read(self) -> dict[str, Refusal]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if self._cache is not None and self._cache[0] == mtime:
            return self._cache[1]
        entries: dict[str, Refusal] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            for account, fields in dict(raw).items():
                entries[account] = Refusal(account=account, status=int(fields["status"]),
                                           host=str(fields["host"]), at=str(fields["at"]))
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # A damaged memory only costs one more refused request: start afresh.
            log.warning("ignoring %s: %s", self.path, exc)
            entries = {}
        self._cache = (mtime, entries)
        return entries

    def _write(self, entries: dict[str, Refusal]) -> None:
        private_folder(self.path.parent)
        data = {k: {f: v for f, v in asdict(r).items() if f != "account"}
                for k, r in entries.items()}
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        restrict(temporary)
        os.replace(temporary, self.path)
        self._cache = None


def key_account(tier: str, provider: str) -> str:
    """The keyring account of a tier's key: ``"private"``, or the frontier ``provider``."""
    return "private" if tier == "private" else provider
