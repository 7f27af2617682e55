"""Vendor credential formats, and the tests that tell a real value from a placeholder.

Each format is a prefix the vendor publishes plus the body's alphabet; lengths are ranges (at
least the documented length, a little slack either way) so that a key pasted with one character
too many or from an older generation is still kept home. Formats follow the vendors' documents
and the rule sets of gitleaks and detect-secrets.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_FORMATS: tuple[tuple[str, str], ...] = (
    ("openai/anthropic", r"sk-(?:ant-(?:api\d\d-|admin\d\d-)?|proj-|svcacct-|admin-)?[\w-]{20,}+"),
    ("google api", r"AIza[\w-]{30,40}"),
    ("google oauth", r"ya29\.[\w-]{20,}+"),
    ("github", r"gh[pousr]_[A-Za-z0-9]{30,}+"),
    ("github fine-grained", r"github_pat_\w{40,}+"),
    ("gitlab", r"gl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent)-[\w-]{20,}+"),
    ("slack", r"xox[abposre]-[A-Za-z0-9-]{10,}+"),
    ("slack app", r"xapp-\d-[A-Za-z0-9-]{10,}+"),
    ("slack webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[\w/]{20,}+"),
    ("discord webhook", r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/"
                        r"[\w-]{30,}+"),
    ("stripe", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}+"),
    ("stripe webhook", r"whsec_[A-Za-z0-9]{20,}+"),
    ("sendgrid", r"SG\.[\w-]{16,32}\.[\w-]{30,50}"),
    ("digitalocean", r"do[oprt]_v1_[a-f0-9]{60,70}"),
    ("mailgun", r"key-[a-f0-9]{32}"),
    ("twilio", r"SK[a-f0-9]{32}"),
    ("hugging face", r"hf_[A-Za-z0-9]{30,}+"),
    ("npm", r"npm_[A-Za-z0-9]{30,40}"),
    ("pypi", r"pypi-AgE[\w-]{50,}+"),
    ("telegram bot", r"\d{8,10}:AA[\w-]{30,40}"),
    ("discord bot", r"[MNO][A-Za-z\d_-]{23,27}\.[\w-]{6}\.[\w-]{27,40}"),
    ("shopify", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    ("databricks", r"dapi[a-f0-9]{32}(?:-\d)?"),
    ("notion", r"(?:ntn_|secret_)[A-Za-z0-9]{40,50}"),
    ("linear", r"lin_api_[A-Za-z0-9]{40}"),
    ("sentry", r"sntr[ysu]s?_[A-Za-z0-9_=+/-]{40,}+"),
    ("grafana", r"gl(?:c|sa)_[A-Za-z0-9_+/=-]{32,}+"),
    ("vault", r"hv[sb]\.[\w-]{24,}+"),
    ("doppler", r"dp\.(?:st|ct|sa|scim|audit)\.[\w-]{40,}+"),
    ("atlassian", r"ATATT3[\w=-]{100,}+"),
    ("square", r"sq0(?:atp|csp)-[\w-]{22,}+"),
    ("mapbox", r"[ps]k\.eyJ[\w-]{30,}+\.[\w-]{20,}+"),
    ("age", r"AGE-SECRET-KEY-1[0-9A-Z]{58}"),
    ("aws key id", r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"),
    ("azure storage", r"(?<=AccountKey=)[A-Za-z0-9+/]{40,}={0,2}"),
    ("azure sas", r"(?<=[?&]sig=)[A-Za-z0-9%+/]{30,}={0,2}"),
    ("azure service bus", r"(?<=SharedAccessKey=)[A-Za-z0-9+/]{30,}={0,2}"),
)
# The literal every format's match contains: a format whose hint is not in the text is not
# searched at all (substring tests are much cheaper than one large alternation).
_HINTS: dict[str, tuple[str, ...]] = {
    "openai/anthropic": ("sk-",), "google api": ("AIza",), "google oauth": ("ya29.",),
    "github": ("_",), "github fine-grained": ("github_pat_",), "gitlab": ("gl",),
    "slack": ("xox",), "slack app": ("xapp-",), "slack webhook": ("hooks.slack.com",),
    "discord webhook": ("/api/webhooks/",), "stripe": ("_live_", "_test_"),
    "stripe webhook": ("whsec_",), "sendgrid": ("SG.",), "digitalocean": ("_v1_",),
    "mailgun": ("key-",), "twilio": ("SK",), "hugging face": ("hf_",), "npm": ("npm_",),
    "pypi": ("pypi-",), "telegram bot": (":AA",), "discord bot": (".",), "shopify": ("shp",),
    "databricks": ("dapi",), "notion": ("ntn_", "secret_"), "linear": ("lin_api_",),
    "sentry": ("sntr",), "grafana": ("glc_", "glsa_"), "vault": ("hvs.", "hvb."),
    "doppler": ("dp.",), "atlassian": ("ATATT3",), "square": ("sq0",), "mapbox": ("k.eyJ",),
    "age": ("AGE-SECRET-KEY-1",), "aws key id": ("AKIA", "ASIA", "ABIA", "ACCA"),
    "azure storage": ("AccountKey=",), "azure sas": ("sig=",),
    "azure service bus": ("SharedAccessKey=",),
}
_COMPILED: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (_HINTS[name], re.compile(rf"(?:{pattern})(?![A-Za-z0-9_-])")) for name, pattern in _FORMATS)


def vendor_keys(text: str) -> list[re.Match[str]]:
    """Every match of a vendor format in ``text``."""
    matches: list[re.Match[str]] = []
    for hints, pattern in _COMPILED:
        if any(hint in text for hint in hints):
            matches.extend(pattern.finditer(text))
    return matches

# A placeholder written in place of a key: elisions, template markers, runs of one character,
# and the words docs use ("your-token-here", "<paste here>", "${API_KEY}").
_PLACEHOLDER_MARK = re.compile(
    r"\.\.\.|…|[<>]|\{\{|\$\{|%\(|(.)\1{5,}|(?i:x{4,}|\*{3,}|your[-_ ]?|[-_]here\b|"
    r"placeholder|redacted|dummy|fake[-_]|sample|changeme|change[-_]me|insert[-_]|replace[-_]|"
    r"xxx|todo|insecure)",
)
_EXAMPLE = re.compile(r"(?i:example|not[-_ ]?used|required)")


def is_placeholder(value: str, *, vendor: bool = False) -> bool:
    """A value that stands for a secret without being one.

    Vendor keys that merely contain "EXAMPLE" (AWS's published ``AKIAIOSFODNN7EXAMPLE``) are
    still reported: the gate errs toward keeping data home, and a real key can look like it.
    """
    if _PLACEHOLDER_MARK.search(value):
        return True
    return not vendor and bool(_EXAMPLE.search(value))


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in counts.values())


def mixed(token: str) -> bool:
    """Random keys contain both letters and digits; hyphenated words and prose do not."""
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def looks_random(value: str) -> bool:
    """A machine-made token: long, letters and digits mixed, high entropy."""
    return len(value) >= 16 and mixed(value) and entropy(value) >= 3.3
