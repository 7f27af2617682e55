"""Secrets and credentials: provider keys, tokens, private keys, passwords in assignments."""

from __future__ import annotations

import re

from desktop.core.routing._candidates import FORMAT, STRUCTURED, Candidate
from desktop.core.routing._validators import basic_auth_ok, jwt_header_ok

SECRET = "secret"

# Provider key formats. Each alternative starts with a literal so the regex engine can skip
# quickly; the character before a match is checked in Python. Possessive quantifiers keep the
# work linear on long runs of key-like characters.
_PROVIDER_KEY = re.compile(
    r"""
    (?: sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}+  # OpenAI, Anthropic
      | AIza[0-9A-Za-z_-]{35}                                 # Google
      | gh[pousr]_[A-Za-z0-9]{36,}+                           # GitHub
      | github_pat_[A-Za-z0-9_]{40,}+
      | xox[abposr]-[A-Za-z0-9-]{10,}+                        # Slack
      | xapp-[0-9]-[A-Za-z0-9-]{10,}+
      | sk_(?:live|test)_[A-Za-z0-9]{16,}+                    # Stripe
      | rk_(?:live|test)_[A-Za-z0-9]{16,}+
      | glpat-[A-Za-z0-9_-]{20,}+                             # GitLab
      | hf_[A-Za-z0-9]{30,}+                                  # Hugging Face
      | npm_[A-Za-z0-9]{36}
    )(?![A-Za-z0-9_-])
    """,
    re.X,
)
_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_JWT = re.compile(r"eyJ(?<![\w-]eyJ)[\w-]{8,}+\.[\w-]{8,}+\.[\w-]*+", re.A)
_PEM = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----"
    r"(?:.{0,8000}?-----END \1-----|[A-Za-z0-9+/=\s:,-]*)",
    re.S,
)
_AUTH_HEADER = re.compile(r"[Bb](?:(?:earer|EARER)\s+([A-Za-z0-9._~+/-]{16,}=*)"
                          r"|(?:asic|ASIC)\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=]))")
# After "://": user, colon, password, "@".
_URL_PASSWORD = re.compile(r"[^\s:/@]{1,100}:([^\s@/]{1,200})@")

_COMPOUND_KEYS = ("client secret", "app secret", "secret key", "api key", "api token",
                  "api secret", "access token", "auth token", "refresh token", "bearer token",
                  "private key", "access key", "secret access key")
#: Key names whose value is a credential ("password = ...", "API_KEY: ...", "my password is
#: ..."), lower case. The cue pass in ``_context`` finds them and calls :func:`detect_assignment`.
KEY_NAMES: frozenset[str] = frozenset(
    {"password", "passwd", "passphrase", "pwd", "secret"}
    | {key.replace(" ", sep) for key in _COMPOUND_KEYS for sep in ("_", "-", "")})
_ASSIGNED_VALUE = re.compile(
    r"""(?:["']?[ \t]*(?::=|=>|=(?!=)|:)|[ \t]+(is|was)(?=[ \t]))[ \t]*
        (?: "((?:[^"\\\n]|\\.){1,200})"
          | '((?:[^'\\\n]|\\.){1,200})'
          | `([^`\n]{1,200})`
          | ([^\s"'`]{1,200}) )""",
    re.X,
)

# Values after a key name that are code or documentation, not a secret.
_NOT_A_VALUE = frozenset({
    "none", "null", "nil", "true", "false", "str", "string", "bytes", "int", "bool", "undefined",
    "required", "optional", "password", "secret", "string?", "any", "text", "yes", "no", "n/a",
    "redacted", "hidden", "masked", "foo", "bar", "baz", "qux", "test", "dummy", "changeme",
})
_PLACEHOLDER = re.compile(r"[<{$%\[]|[*x•.\-_#]+$|(?:your|my|the)[-_ ]|[/~]|\./|[a-z]:\\"
                          r"|.*(?:example|placeholder|not[-_ ]used|required|xxx)", re.I)
_CODE_LIKE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$|[a-z]+(?:[A-Z][a-z]+)+$"
                        r"|[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|[^(\[]*[(\[]")
_PROSE_AFTER = re.compile(r"[ \t]+[A-Za-z]")


def _word_before(text: str, start: int) -> bool:
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-")


def _mixed(token: str) -> bool:
    """Random keys contain both letters and digits; hyphenated words and prose do not."""
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def _value_is_secret(value: str, quoted: bool, text: str, end: int) -> bool:
    if len(value) < 3 or value.lower() in _NOT_A_VALUE or _PLACEHOLDER.match(value):
        return False
    if quoted:
        return True
    if _CODE_LIKE.match(value):
        return False
    # "password: click the link below" is prose; "password: hunter2" and "pwd=letmein" are not.
    return not (value.isalpha() and value.islower() and _PROSE_AFTER.match(text, end))


def detect_assignment(text: str, key_end: int, found: list[Candidate]) -> None:
    """Append the value assigned to the key name that ends at ``key_end``, if it is a secret."""
    match = _ASSIGNED_VALUE.match(text, key_end)
    if match is None:
        return
    index = next(i for i in range(2, 6) if match.group(i) is not None)
    start, end = match.span(index)
    value = match.group(index)
    quoted = index != 5
    if not quoted:
        stripped = value.rstrip(".,;:)]}>")
        end -= len(value) - len(stripped)
        value = stripped
        # In prose ("my password is hunter2") only a value with a digit: "is required" is not.
        if match.group(1) and not any(c.isdigit() for c in value):
            return
    if _value_is_secret(value, quoted, text, end):
        found.append(Candidate(start, end, SECRET, FORMAT))


def detect_secrets(text: str, found: list[Candidate]) -> None:
    """Append a candidate for every credential in ``text`` (assignments: see ``KEY_NAMES``)."""
    for match in _PROVIDER_KEY.finditer(text):
        start = match.start()
        token = match.group()
        if not _word_before(text, start) and (not token.startswith("sk-") or _mixed(token[3:])):
            found.append(Candidate(start, match.end(), SECRET, STRUCTURED))
    if "AKIA" in text or "ASIA" in text:
        for match in _AWS_KEY_ID.finditer(text):
            if _word_before(text, match.start()):
                continue
            found.append(Candidate(match.start(), match.end(), SECRET, STRUCTURED))
            # The secret access key travels with its id: 40 base64 characters close by.
            low, high = max(0, match.start() - 300), match.end() + 300
            for near in _AWS_SECRET.finditer(text, low, high):
                value = near.group()
                if _mixed(value) and not value.isupper() and not value.islower():
                    found.append(Candidate(near.start(), near.end(), SECRET, STRUCTURED))
    if "eyJ" in text:
        for match in _JWT.finditer(text):
            if jwt_header_ok(match.group().split(".")[0]):
                found.append(Candidate(match.start(), match.end(), SECRET, STRUCTURED))
    if "-----BEGIN " in text:
        for match in _PEM.finditer(text):
            found.append(Candidate(match.start(), match.end(), SECRET, STRUCTURED))
    if "earer" in text or "EARER" in text or "asic" in text or "ASIC" in text:
        _auth_headers(text, found)
    scheme_end = text.find("://")
    while scheme_end != -1:
        userinfo = _URL_PASSWORD.match(text, scheme_end + 3)
        if userinfo and scheme_end and text[scheme_end - 1].isalnum():
            password = userinfo.group(1)
            if password.lower() not in _NOT_A_VALUE and not _PLACEHOLDER.match(password):
                found.append(Candidate(userinfo.start(1), userinfo.end(1), SECRET, FORMAT))
        scheme_end = text.find("://", scheme_end + 3)


def _auth_headers(text: str, found: list[Candidate]) -> None:
    for match in _AUTH_HEADER.finditer(text):
        bearer, basic = match.group(1), match.group(2)
        if (bearer and _mixed(bearer)) or (basic and basic_auth_ok(basic)):
            group = 1 if bearer else 2
            found.append(Candidate(match.start(group), match.end(group), SECRET, FORMAT))
