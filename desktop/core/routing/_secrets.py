"""Secrets and credentials: vendor keys, tokens, private keys, and values assigned to credential
names in ``.env`` files, code, JSON, connection strings, URLs, command lines and prose.

Layers, surest first: vendor formats (``_secret_formats``); structures (PEM and PuTTY private
keys, JWTs with a JSON header, HTTP auth headers, ``scheme://user:password@host``); assignments
to a key whose name ends in a credential word (``TELEGRAM_BOT_TOKEN=…``, ``"pass": "…"``,
``define('DB_PASSWORD', '…')``); and a random-looking token right after a credential word
("twilio auth: … / 9f8e…"). Placeholders (``sk-...``, ``AKIAXXXXXXXXXXXXXXXX``, ``<your-key>``)
are recognised and skipped.
"""

from __future__ import annotations

import re

from desktop.core.routing._candidates import FORMAT, STRUCTURED, Candidate
from desktop.core.routing._secret_formats import (
    is_placeholder,
    looks_random,
    mixed,
    vendor_keys,
)
from desktop.core.routing._validators import basic_auth_ok, jwt_header_ok

SECRET = "secret"

_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_JWT = re.compile(r"eyJ(?<![\w-]eyJ)[\w-]{8,}+\.[\w-]{8,}+\.[\w-]*+", re.A)
_PEM = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----"
    r"(?:.{0,8000}?-----END \1-----|[A-Za-z0-9+/=\s:,-]*)",
    re.S,
)
_PUTTY = re.compile(r"PuTTY-User-Key-File-\d+:.{0,6000}?(?:Private-MAC:[ \t]*[0-9a-fA-F]+|\Z)",
                    re.S)
_AUTH_HEADER = re.compile(r"[Bb](?:(?:earer|EARER)\s+([A-Za-z0-9._~+/-]{16,}=*)"
                          r"|(?:asic|ASIC)\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=]))")
# After "://": an optional user, a colon, the password, "@" ("redis://:pw@host" has no user).
_URL_PASSWORD = re.compile(r"[^\s:/@]{0,100}:([^\s@/]{1,200})@")
_CLI_PASSWORD = re.compile(r"(?<!\S)(?:-p(?=\S)|--password[= ]|--pass[= ]|-P[ ]?(?=\S))"
                           r"""(["']?)([^\s"']{4,100})\1""")

# A key whose last word names a credential, then ``=``, ``:``, ``=>``, ``:=`` or a comma (a
# quoted key in a call: ``define('DB_PASSWORD', '…')``).
_KEY_ASSIGNMENT = re.compile(
    r"""(?<![\w.-])(["'`]?)([A-Za-z][\w.-]{0,60})\1[ \t]*(?::=|=>|=(?!=)|:(?![:/])|,)[ \t]*"""
    r"""(?:"((?:[^"\\\n]|\\.){1,300})"|'((?:[^'\\\n]|\\.){1,300})'|`([^`\n]{1,300})`"""
    r"""|([^\s"'`,;]{1,300}))""",
)
_CALL_ARGUMENT = re.compile(r"[ \t]*,")
# The last word of a credential key name, then the end of the name (on the lower-cased text).
_KEY_END = re.compile(r"(?:pass(?:word|wd|phrase|code)?|passwort|kennwort|wachtwoord|pwd|pw|"
                      r"secret|token|key|auth|credentials?|pin|sig(?:nature)?|cookie|session)"
                      r"""(?![a-z0-9_])""")
_WORDS_IN_KEY = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_STRONG_KEY_WORDS = frozenset({
    "password", "passwd", "passphrase", "passcode", "pwd", "pass", "secret", "token",
    "apikey", "credential", "credentials", "accountkey", "authtoken", "passwort", "kennwort",
    "wachtwoord", "contraseña", "motdepasse",
})
_WEAK_KEY_WORDS = frozenset({"key", "auth", "pw", "pin", "sig", "signature", "cookie", "session"})
_NOT_CREDENTIAL_KEYS = frozenset({"token_count", "max_tokens", "tokens", "token_type",
                                  "secret_name", "password_min_length", "key_id", "token_url"})

# Values after a key name that are code or documentation, not a secret.
NOT_A_VALUE = frozenset({
    "none", "null", "nil", "true", "false", "str", "string", "bytes", "int", "bool", "undefined",
    "required", "optional", "password", "secret", "string?", "any", "text", "yes", "no", "n/a",
    "redacted", "hidden", "masked", "foo", "bar", "baz", "qux", "test", "dummy", "changeme",
    "postgres", "admin", "root", "guest", "demo", "default", "user", "username", "pass",
    "token", "empty", "self", "this", "env", "os", "getpass",
})
_CODE_LIKE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$|[a-z]+(?:[A-Z][a-z]+)+$"
                        r"|[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"
                        r"|[^(\[]*[(\[]|[$%@][{(]?[\w.]+[})]?$")
_PATHLIKE = re.compile(r"[/~]|\./|[a-z]:\\", re.I)
_PROSE_AFTER = re.compile(r"[ \t]+[A-Za-z]")

# Words before a random token that make it a credential, and words that make it a digest.
# Matched on the lower-cased text (cheaper than ignoring case).
_CREDENTIAL_WORD = re.compile(r"\b(?:tokens?|secrets?|keys?|auth|password|passwd|credentials?|"
                              r"api|bearer|access|sid|apikey)\b")
_DIGEST_WORD = re.compile(r"\b(?:sha\d*|md5|hash|digest|checksum|commit|uuid|guid|etag|"
                          r"fingerprint|crc)\b", re.I)
_RANDOM_TOKEN = re.compile(r"(?<![\w+/=.-])[A-Za-z0-9+/_~.-]{20,200}={0,2}(?![\w+/=-])")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

#: Words after which a person states a password in prose ("my wifi password is …",
#: "das Passwort … ist …", "la contraseña del wifi es …"), lower case.
PASSWORD_CUES: tuple[str, ...] = (
    "password", "passwort", "kennwort", "mot de passe", "mdp", "contraseña", "contrasena",
    "clave", "wachtwoord", "passcode", "passphrase", "pwd", "pw", "wifi", "wi-fi", "wlan",
    "pin", "pin code", "api key", "api token", "access token", "secret key", "secret",
    "token", "passwd", "login", "log-in", "credentials", "creds", "zugangsdaten",
    "anmeldedaten", "identifiants", "credenciales", "credenziali", "inloggegevens",
    "pincode", "pin-code", "code pin", "code secret", "geheimzahl", "pin-nummer", "código pin",
    "codice pin",
)
#: Cues after which a number alone is the secret ("my bank PIN is 4827").
PIN_CUES = frozenset({"pin", "pin code", "pincode", "pin-code", "code pin", "code secret",
                      "geheimzahl", "pin-nummer", "código pin", "codice pin", "passcode"})
_PIN = re.compile(r"\d{4,8}")
# Stated after a password word, "Lupo.Bianco88" is a password, not an attribute: words joined
# by dots, with capitals and a digit.
_DOTTED_PASSWORD = re.compile(r"(?=[^.]*[A-Z])(?=.*\d)[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)+")
# A password right after its word, with no "is" or colon ("Passwort Sommer1938!").
_DIRECT = re.compile(r"[ \t]+([^\s\"'`]{6,64})")
_DIRECT_CUES = frozenset({"password", "passwort", "kennwort", "mot de passe", "mdp",
                          "contraseña", "contrasena", "wachtwoord", "passwd", "pwd"})
# "login is user@mail.com / hunter2", "creds: admin:S3cret!": the second of the pair.
_PAIR = re.compile(r"""(\S+?)[ \t]*(?:/|\||:)[ \t]*(["'`]?)([^\s"'`]{3,64})\2""")
_STATED = re.compile(
    r"[^\n]{0,40}?(?:\b(?:is|was|ist|lautet|est|c'est|es|era|è|sono|zijn)\b|[:=])[ \t]*"
    r"""(["'`]?)([^\s"'`]{3,64})\1""",
    re.I,
)


def _word_before(text: str, start: int) -> bool:
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-")


def _stub_or_link(value: str) -> bool:
    """A word that docs and code put where a secret goes, a placeholder, a path or a URL."""
    return (value.lower() in NOT_A_VALUE or is_placeholder(value) or bool(_PATHLIKE.match(value))
            or value.startswith(("http://", "https://")))


def value_is_secret(value: str, quoted: bool, text: str, end: int) -> bool:
    """Whether a value assigned to a credential name is a secret (not code, prose or a stub)."""
    if len(value) < 3 or _stub_or_link(value):
        return False
    if quoted:
        return not value.isidentifier() or mixed(value) or not value.islower()
    if _CODE_LIKE.match(value):
        return False
    # "password: click the link below" is prose; "password: hunter2" and "pwd=letmein" are not.
    return not (value.isalpha() and value.islower() and _PROSE_AFTER.match(text, end))


def _key_kind(key: str) -> str | None:
    """"strong", "weak" or None, from the last word of a key name."""
    lowered = key.lower()
    if lowered in _NOT_CREDENTIAL_KEYS:
        return None
    words = [w.lower() for w in _WORDS_IN_KEY.findall(key.replace("-", "_"))]
    if not words:
        return None
    last = words[-1]
    joined = "".join(words[-2:])
    if last in _STRONG_KEY_WORDS or joined in _STRONG_KEY_WORDS:
        return "strong"
    if last in _WEAK_KEY_WORDS:
        return "weak"
    return None


def _assignments(text: str, lowered: str, found: list[Candidate]) -> None:
    done = -1
    for word in _KEY_END.finditer(lowered):
        # Back to the start of the key name, then read the assignment from there.
        start = word.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.-"):
            start -= 1
        if start > 0 and text[start - 1] in "\"'`":
            start -= 1
        if start < done:
            continue
        match = _KEY_ASSIGNMENT.match(text, start)
        if match is None or (not match.group(1) and _CALL_ARGUMENT.match(text, match.end(2))):
            continue  # "jwt.decode(token, key, …)": arguments, not an assignment
        done = match.end()
        kind = _key_kind(match.group(2))
        if kind is None:
            continue
        index = next(i for i in range(3, 7) if match.group(i) is not None)
        start, end = match.span(index)
        value = match.group(index)
        quoted = index != 6
        if is_placeholder(value):
            continue
        if not quoted:
            stripped = value.rstrip(".,;:)]}>")
            end -= len(value) - len(stripped)
            value = stripped
        if kind == "weak" and not looks_random(value):
            continue
        if value_is_secret(value, quoted, text, end):
            found.append(Candidate(start, end, SECRET, FORMAT))


def _near_credential_words(text: str, lowered: str, found: list[Candidate]) -> None:
    for word in _CREDENTIAL_WORD.finditer(lowered):
        window_end = min(len(text), word.end() + 80)
        if _DIGEST_WORD.search(text, max(0, word.start() - 30), window_end):
            continue
        for token in _RANDOM_TOKEN.finditer(text, word.end(), window_end):
            value = token.group()
            if (looks_random(value) and not is_placeholder(value) and not _PATHLIKE.search(value)
                    and not _UUID.match(value)):
                found.append(Candidate(token.start(), token.end(), SECRET, FORMAT))


def _vendor_keys(text: str, found: list[Candidate]) -> None:
    for match in vendor_keys(text):
        start = match.start()
        token = match.group()
        if _word_before(text, start):
            continue
        if token.startswith("sk-") and not mixed(token[3:]):
            continue  # "sk-learn-style"
        if is_placeholder(token, vendor=True):
            continue
        found.append(Candidate(start, match.end(), SECRET, STRUCTURED))
        if token.startswith(("AKIA", "ASIA")):
            # The secret access key travels with its id: 40 base64 characters close by.
            low, high = max(0, start - 300), match.end() + 300
            for near in _AWS_SECRET.finditer(text, low, high):
                value = near.group()
                if mixed(value) and not value.isupper() and not value.islower():
                    found.append(Candidate(near.start(), near.end(), SECRET, STRUCTURED))


def detect_secrets(text: str, lower: str | None, found: list[Candidate]) -> None:
    """Append a candidate for every credential in ``text`` (``lower``: ``_text.lowered(text)``)."""
    _vendor_keys(text, found)
    if "eyJ" in text:
        for match in _JWT.finditer(text):
            if jwt_header_ok(match.group().split(".")[0]):
                found.append(Candidate(match.start(), match.end(), SECRET, STRUCTURED))
    if "-----BEGIN " in text:
        for match in _PEM.finditer(text):
            found.append(Candidate(match.start(), match.end(), SECRET, STRUCTURED))
    if "PuTTY-User-Key-File" in text:
        for match in _PUTTY.finditer(text):
            found.append(Candidate(match.start(), match.end(), SECRET, STRUCTURED))
    if "earer" in text or "EARER" in text or "asic" in text or "ASIC" in text:
        _auth_headers(text, found)
    _url_passwords(text, found)
    if "-p" in text or "-P" in text:
        for match in _CLI_PASSWORD.finditer(text):
            value = match.group(2)
            if mixed(value) and not is_placeholder(value) and not _PATHLIKE.match(value):
                found.append(Candidate(match.start(2), match.end(2), SECRET, FORMAT))
    lowered = text if lower is None else lower  # None: spans would shift in the lower case
    _assignments(text, lowered, found)
    _near_credential_words(text, lowered, found)


def _direct_password(text: str, cue_end: int, found: list[Candidate]) -> None:
    """A value with letters, digits and a symbol or two cases, straight after the word."""
    match = _DIRECT.match(text, cue_end)
    if match is None:
        return
    value = match.group(1).rstrip(".,;:?)]}>")
    letters = any(c.isalpha() for c in value)
    digits = any(c.isdigit() for c in value)
    symbols = any(not c.isalnum() for c in value)
    cases = value.lower() != value and value.upper() != value
    if (letters and digits and (symbols or cases) and not _stub_or_link(value)
            and not _CODE_LIKE.match(value)):
        found.append(Candidate(match.start(1), match.start(1) + len(value), SECRET, FORMAT))


def detect_stated_password(text: str, cue_end: int, found: list[Candidate],
                           digits_only: bool = False, cue: str = "") -> None:
    """The password a person states after a password word ("my password is hunter2");
    ``digits_only``: the word names a PIN, so a number alone is the secret."""
    if cue_end < len(text) and text[cue_end] in "@/":  # "user:password@host": a URL's parts
        return
    match = _STATED.match(text, cue_end)
    if match is None:
        if cue in _DIRECT_CUES:
            _direct_password(text, cue_end, found)
        return
    pair = _PAIR.match(text, match.start(2))
    if pair and ("@" in pair.group(1) or pair.group(1).isidentifier()):
        match = pair
        value, start, end = pair.group(3), pair.start(3), pair.end(3)
    else:
        value, start, end = match.group(2), match.start(2), match.end(2)
    if is_placeholder(value):
        return
    if not match.group(1):
        stripped = value.rstrip(".,;:?)]}>")
        end -= len(value) - len(stripped)
        value = stripped
    if digits_only and _PIN.fullmatch(value):
        found.append(Candidate(start, end, SECRET, FORMAT))
        return
    symbols = any(not c.isalnum() for c in value)
    # Prose ("is required", "is on the invite") has no digit or symbol mixed into a word.
    if not mixed(value) and not (symbols and any(c.isalpha() for c in value)):
        return
    if _stub_or_link(value) or (_CODE_LIKE.match(value) and not _DOTTED_PASSWORD.fullmatch(value)):
        return
    found.append(Candidate(start, end, SECRET, FORMAT))


def _url_passwords(text: str, found: list[Candidate]) -> None:
    scheme_end = text.find("://")
    while scheme_end != -1:
        userinfo = _URL_PASSWORD.match(text, scheme_end + 3)
        if userinfo and scheme_end and text[scheme_end - 1].isalnum():
            password = userinfo.group(1)
            if password.lower() not in NOT_A_VALUE and not is_placeholder(password) and not (
                    password.isdigit() and len(password) <= 5):  # host:port@ is not a password
                found.append(Candidate(userinfo.start(1), userinfo.end(1), SECRET, FORMAT))
        scheme_end = text.find("://", scheme_end + 3)


def _auth_headers(text: str, found: list[Candidate]) -> None:
    for match in _AUTH_HEADER.finditer(text):
        bearer, basic = match.group(1), match.group(2)
        if (bearer and mixed(bearer)) or (basic and basic_auth_ok(basic)):
            group = 1 if bearer else 2
            found.append(Candidate(match.start(group), match.end(group), SECRET, FORMAT))
