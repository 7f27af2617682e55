"""Where the next question of a conversation may be answered, said before it is asked.

The window's status bar and its empty chat tell the user this; it follows the same rules as
the router, in the same order, from the settings and the small file of refused keys (no
keyring or network is touched, so a front end may ask on its GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from desktop.core.cloud.refusals import RefusedKeys, key_account
from desktop.core.routing import CLOUD_TIERS, KINDS, CloudTier
from desktop.core.settings import Settings

# Why every answer stays on this device, or "may_leave": a question may go to ``tiers``.
OutlookKind = Literal["offline", "escalation_off", "locked", "no_tier", "key_refused",
                      "may_leave"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outlook:
    """What happens to the next question: ``kind`` says whether it may leave, and if not why.

    With ``may_leave``: ``tiers`` are the cloud tiers set up, the first of which a hard
    question goes to; ``threshold`` is the difficulty from which it does; ``cascade`` is what
    happens after an unsure local answer ("off", "offer" or "auto"); ``sensitive_kept`` is
    whether some kind of sensitive data keeps a question on this device.

    ``refused`` names each tier set up whose key its provider refused, with why (``"the key
    was refused by api.anthropic.com (HTTP 401) on 2026-11-29"``): it is not offered until the
    key is changed; with ``key_refused`` no other tier is set up.
    """

    kind: OutlookKind
    tiers: tuple[CloudTier, ...] = ()
    threshold: float | None = None
    cascade: str = "off"
    sensitive_kept: bool = True
    refused: tuple[tuple[CloudTier, str], ...] = ()

    @property
    def may_leave(self) -> bool:
        return self.kind == "may_leave"


def outlook_for(settings: Settings, policy: Callable[[str], str], *, locked: bool,
                tiers: tuple[CloudTier, ...], refusals: RefusedKeys | None = None) -> Outlook:
    """The outlook from the settings, the privacy ``policy`` of each class and the cloud
    ``tiers`` set up, in the router's order: offline, escalation off, locked, no tier. A tier
    whose key was refused (``refusals``, by default the data folder's memory) is left out."""
    if settings.get_bool("network.offline"):
        return Outlook(kind="offline")
    if not settings.get_bool("cloud.escalation"):
        return Outlook(kind="escalation_off")
    if locked:
        return Outlook(kind="locked")
    refusals = refusals or RefusedKeys()
    provider = settings.get_str("tiers.frontier.provider")
    refused = tuple((tier, found.sentence()) for tier in tiers
                    if (found := refusals.get(key_account(tier, provider))) is not None)
    tiers = tuple(tier for tier in tiers if tier not in dict(refused))
    if not tiers:
        return Outlook(kind="key_refused" if refused else "no_tier", refused=refused)
    return Outlook(kind="may_leave", tiers=tiers, refused=refused,
                   threshold=settings.get_float("routing.difficulty_threshold"),
                   cascade=settings.get_str("routing.cascade"),
                   sensitive_kept=any(policy(kind) == "keep_local" for kind in KINDS))


def configured_tiers(settings: Settings) -> tuple[CloudTier, ...]:
    """The cloud tiers whose settings are filled in (no keyring or network is touched)."""
    needed = {"private": ("tiers.private.base_url", "tiers.private.model"),
              "frontier": ("tiers.frontier.provider", "tiers.frontier.model")}
    return tuple(tier for tier in CLOUD_TIERS
                 if all(settings.get_str(key).strip() for key in needed[tier]))
