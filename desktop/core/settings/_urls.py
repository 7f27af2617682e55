"""Addresses in settings never carry a credential: keys belong in the OS keyring.

A key written into ``settings.toml`` (``https://user:key@host/v1``, ``…/v1?api_key=…``) would
sit in a plain file, be copied into backups and shown by ``hearth config list``; Hearth
refuses it and says where the key goes instead.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

# Words that make a query parameter's name look like a credential, once the name is split at
# anything that is not a letter or digit (``x-goog-api-key`` → x, goog, api, key).
_CREDENTIAL_WORDS = frozenset({
    "key", "apikey", "token", "accesstoken", "secret", "password", "passwd", "pwd",
    "credential", "credentials", "auth", "authorization", "bearer", "signature", "sig",
})
# Where the key of each URL setting goes instead.
KEY_HINTS = {
    "tiers.private.base_url": "store the key with: hearth keys set private",
    "tiers.frontier.base_url": "store the key with: hearth keys set anthropic (or openai, "
                               "gemini)",
}
_DEFAULT_HINT = "Hearth keeps keys only in the OS keyring (hearth keys set)"


def credential_in(url: str) -> str | None:
    """What in ``url`` looks like a credential ("a user name and password", "the query
    parameter 'api_key'"), or None. The credential itself is never part of the answer."""
    try:
        parts = urlsplit(url.strip())
        has_userinfo = parts.username is not None or parts.password is not None
    except ValueError:  # an unparsable address is refused elsewhere, when it is used
        return None
    if has_userinfo:
        return "a user name or password before the host (user:key@)"
    for text in (parts.query, parts.fragment):
        for name, _value in parse_qsl(text, keep_blank_values=True):
            if _looks_like_credential(name):
                return f"the query parameter {name!r}"
    return None


def refusal(key: str, what: str) -> str:
    """The message for a URL setting ``key`` whose value holds ``what``."""
    hint = KEY_HINTS.get(key, _DEFAULT_HINT)
    return f"{key} must not contain a credential ({what}): {hint}"


def _looks_like_credential(name: str) -> bool:
    words = [w for w in re.split(r"[^0-9a-z]+", name.lower()) if w]
    if not words:
        return False
    return any(w in _CREDENTIAL_WORDS for w in words) or "".join(words) in _CREDENTIAL_WORDS
