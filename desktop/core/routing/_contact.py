"""Ways to reach a person or a machine: e-mail addresses, phone numbers, IP addresses.

Decisions:

- Phone numbers are reported when written the way people write them: international (``+CC``,
  or ``00CC`` with separators), North American ``(NXX) NXX-XXXX`` valid in the numbering plan
  (phonenumbers: ``(555) 555-5555`` is not), or a national number that starts with the trunk
  ``0`` and has separators (``020 7946 0958``, ``06-12345678``, ``06 12 34 56 78``) or is valid
  in one of the user's regions (``0152 23456789``, see ``_phones``). A bare run of digits is
  only a phone number after a cue such as "phone:" (see ``_recognizers``); otherwise order
  numbers, timestamps and integer constants in code would be reported.
- IPv4 needs four octets of at most 255 without leading zeros, not glued to a longer dotted run,
  and not preceded by a version or numbering cue ("v", "version", "==", "Chrome/", "section").
  Loopback, unspecified (0.0.0.0, ``::``), multicast, broadcast and netmasks (``255.x.x.x``)
  are not reported: they name no one; nor are the documentation ranges (192.0.2.0/24,
  198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), well-known public resolvers (1.1.1.1,
  8.8.8.8, 9.9.9.9 …) and network addresses written with a prefix length (``10.0.0.0/8``).
  Private ranges (10/8, 172.16/12, 192.168/16) are reported: they describe the user's own
  network, and the policy decides what to do with them.
  A dotted quad right after a version cue is a version, even if it would be a valid address.
- Machine senders (``noreply@…``, ``…@users.noreply.github.com``) reach no one in particular
  and are not reported. Addresses at ``example.com`` are: a user may type one in place of a
  real address, and the gate errs toward keeping data home.
- IPv6 is validated by :mod:`ipaddress`; with fewer than three groups one must have three or
  more hex digits, so that slices such as ``a[1::2]`` are not addresses.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from desktop.core.routing._candidates import ADDRESS, FORMAT, PATTERN, Candidate, glued_after
from desktop.core.routing._phones import nanp_number_ok, national_number_ok
from desktop.core.routing._text import digits

EMAIL = "email"
PHONE = "phone"
IP_ADDRESS = "ip_address"

_LOCAL_PART = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}"
                     r"(?![A-Za-z0-9-])")

# Every pattern starts with a literal or a character set, which lets the regex engine skip
# ahead quickly; the characters around a match are checked in Python, so that a long run is
# read once.
_INTERNATIONAL = re.compile(r"\+[1-9]\d{0,2}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,14}))++")
_NANP = re.compile(r"[(2-9](?:(?<=\()[2-9]\d\d\) ?|(?<=[2-9])\d\d[ .-])[2-9]\d\d[ .-]\d{4}"
                   r"(?!\w|[.-]\d)")
_NATIONAL = re.compile(r"(?:\(0|0)\d{1,4}\)?(?:[ /.-]\d{2,8})++")
_TRUNK_AFTER_COUNTRY = re.compile(r"\(?00\d{1,3}\)?[ /.-]0")
_DATE_LIKE = re.compile(r"\(?0\d([./-])[01]\d\1(?:\d{4}|\d\d)(?!\1\d)")
_PHONE_BEFORE = frozenset("._+/-):")

_MACHINE_DOMAIN = re.compile(r"(?:^|\.)users\.noreply\.github\.com$", re.I)
_MACHINE_SENDER = re.compile(r"(?:no-?reply|do-?not-?reply|mailer-daemon|bounces?|notifications?|"
                             r"alerts?|newsletters?|postmaster)(?:[+.-]|$)", re.I)
_NOT_PERSONAL_IPV4 = (
    ipaddress.IPv4Network("192.0.2.0/24"), ipaddress.IPv4Network("198.51.100.0/24"),
    ipaddress.IPv4Network("203.0.113.0/24"),
)
_PUBLIC_RESOLVERS = frozenset({
    "1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3", "8.8.8.8", "8.8.4.4",
    "9.9.9.9", "149.112.112.112", "9.9.9.10", "208.67.222.222", "208.67.220.220",
    "94.140.14.14", "94.140.15.15", "76.76.2.0", "76.76.10.0", "185.228.168.9", "4.2.2.1",
    "4.2.2.2", "64.6.64.6", "64.6.65.6", "84.200.69.80", "84.200.70.40",
})
_DOCUMENTATION_V6 = ipaddress.IPv6Network("2001:db8::/32")
_IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)")
_VERSION_CUE = re.compile(
    r"(?:version\w*|\b(?:v|ver|release|rel|build|python|node|firmware|section|sec|chapter|clause|"
    r"para|paragraph|fig|figure|table|step|rule|item|appendix|rfc)\.?|==|>=|<=|~=|\^|§|"
    r"[A-Za-z]/)[\s\"'=:]*(?:(?:to|from|is|of|at|->|→)\s+)?$",
    re.I,
)
_VERSION_SUFFIX = re.compile(r"-(?:alpha|beta|rc|dev|pre|snapshot|final)", re.I)
# Two colons within the first few characters: "fe80::1", "::1", "2001:db8:0:0:...".
_IPV6 = re.compile(r"[0-9A-Fa-f:](?:(?<=:)|[0-9A-Fa-f]{0,3}:)[0-9A-Fa-f]{0,4}:"
                   r"(?:[0-9A-Fa-f:]*(?<=:)\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*)")


def _emails(text: str, found: list[Candidate]) -> None:
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _LOCAL_PART:
            start -= 1
        while start < at and text[start] in ".-+":
            start += 1
        domain = _DOMAIN.match(text, at + 1)
        if domain is not None and start < at and text[at - 1] != ".":
            end = domain.end()
            local = text[start:at]
            after = text[end:end + 1]
            before = text[max(0, start - 80):start]
            token = before[max(before.rfind(" "), before.rfind("\n"), before.rfind("\t")) + 1:]
            # a@b.method() is matrix multiplication; git@host:repo is a remote; in
            # scheme://user:password@host the part before "@" is a credential, not an address.
            # Machine senders reach nobody in particular.
            nobody = _MACHINE_DOMAIN.search(text[domain.start():end]) or _MACHINE_SENDER.match(
                local)
            if not nobody and after != "(" and not (local == "git" and after == ":") and (
                    "://" not in token):
                found.append(Candidate(start, end, EMAIL, FORMAT))
        at = text.find("@", at + 1)


# The group before a number that mixes capitals and digits: the number is the tail of a
# tracking or serial code ("1Z 84F 32A 03 1942 5561"), not a phone number.
_CODE_GROUP_BEFORE = re.compile(r"(?<![\w-])[A-Z0-9]*(?:[A-Z]\d|\d[A-Z])[A-Z0-9]* \Z")


def _free_before(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in _PHONE_BEFORE)


def _phones(text: str, found: list[Candidate], regions: Sequence[str]) -> None:
    if "+" in text:
        for match in _INTERNATIONAL.finditer(text):
            start = match.start()
            if (start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_+)]")) and (
                    8 <= len(digits(match.group())) <= 15) and not glued_after(text, match.end(),
                                                                                 ".-"):
                found.append(Candidate(start, match.end(), PHONE, PATTERN))
    for match in _NANP.finditer(text):
        start = match.start()
        number = digits(match.group())
        if number[1:3] == "11" or number[4:6] == "11":  # N11 codes are service numbers
            continue
        if start >= 2 and text[start - 2] == "1" and text[start - 1] in " .-" and _free_before(
                text, start - 2):
            start -= 2  # the country code of "1-800-555-0199"
        if _free_before(text, start) and nanp_number_ok(match.group()):
            found.append(Candidate(start, match.end(), PHONE, PATTERN))
    for match in _NATIONAL.finditer(text):
        value = match.group()
        if (not _free_before(text, match.start()) or glued_after(text, match.end(), "./:-")
                or _DATE_LIKE.match(value) or _CODE_GROUP_BEFORE.search(
                    text, max(0, match.start() - 12), match.start()) is not None):
            continue
        count = len(digits(value))
        if value.lstrip("(").startswith("00"):  # 00 + country code: no trunk 0 after it
            if 10 <= count <= 15 and not _TRUNK_AFTER_COUNTRY.match(value):
                found.append(Candidate(match.start(), match.end(), PHONE, PATTERN))
        elif 9 <= count <= 11 or (12 <= count <= 13 and national_number_ok(value, regions)):
            found.append(Candidate(match.start(), match.end(), PHONE, PATTERN))


def _ipv4(text: str, found: list[Candidate]) -> None:
    for match in _IPV4.finditer(text):
        start, end = match.span()
        if start and (text[start - 1].isalnum() or text[start - 1] in "._"):
            continue
        octets = match.group().split(".")
        if any(len(o) > 1 and o[0] == "0" or int(o) > 255 for o in octets):
            continue
        first = int(octets[0])
        if first in (0, 127, 255) or 224 <= first <= 239:
            continue
        if _VERSION_CUE.search(text, max(0, start - 24), start) or _VERSION_SUFFIX.match(text, end):
            continue
        if match.group() in _PUBLIC_RESOLVERS or (
                text.startswith("/", end) and octets[3] == "0"):  # a network, not a host
            continue
        if any(ipaddress.IPv4Address(match.group()) in net for net in _NOT_PERSONAL_IPV4):
            continue
        found.append(Candidate(start, end, IP_ADDRESS, ADDRESS))


def _ipv6(text: str, found: list[Candidate]) -> None:
    for match in _IPV6.finditer(text):
        start, end = match.span()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_:."):
            continue
        candidate = match.group()
        if candidate.endswith(":") and not candidate.endswith("::"):
            continue
        try:
            address = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        groups = [g for g in re.split(r"[:.]", candidate) if g]
        if len(groups) < 3 and max(map(len, groups), default=0) < 3:
            continue
        if address.is_loopback or address.is_unspecified or address.is_multicast or (
                address in _DOCUMENTATION_V6):
            continue
        mapped = address.ipv4_mapped
        if mapped is not None and any(mapped in net for net in _NOT_PERSONAL_IPV4):
            continue
        found.append(Candidate(start, end, IP_ADDRESS, ADDRESS))


# An address spelled out against harvesters: "kate dot wilson at gmail.com", "kate[at]gmx.de".
_SPELLED_AT = re.compile(r"[ \t]*(?:\[at\]|\(at\)|\{at\})[ \t]*|[ \t]+(?:at|AT|@)[ \t]+")
_SPELLED_DOT = r"(?:[ \t]*(?:\[dot\]|\(dot\)|\{dot\})[ \t]*|[ \t]+(?:dot|DOT)[ \t]+|\.)"
_SPELLED_LOCAL = re.compile(rf"[A-Za-z0-9_%+-]+(?:{_SPELLED_DOT}[A-Za-z0-9_%+-]+)*\Z")
_SPELLED_DOMAIN = re.compile(rf"[A-Za-z0-9-]+(?:{_SPELLED_DOT}[A-Za-z0-9-]+)*")
_SPELLED_TLD = re.compile(r"(?:\.|[^\w.]+dot[^\w.]+|[^\w.]+DOT[^\w.]+)([A-Za-z]{2,24})\Z")


def _spelled_emails(text: str, found: list[Candidate]) -> None:
    # Spelled out means a "dot" word or a bracketed "at": without one, nothing to look for.
    if not any(sign in text for sign in ("dot", "DOT", "[at]", "(at)", "{at}")):
        return
    for at in _SPELLED_AT.finditer(text):
        window = max(0, at.start() - 64)
        local = _SPELLED_LOCAL.search(text, window, at.start())
        domain = _SPELLED_DOMAIN.match(text, at.end())
        if local is None or domain is None or _SPELLED_TLD.search(domain.group()) is None:
            continue
        spelled = "@" not in at.group() and " at " not in at.group().lower() or any(
            "dot" in part.lower() for part in (local.group(), domain.group()))
        if spelled:
            found.append(Candidate(local.start(), domain.end(), EMAIL, PATTERN))


def detect_contacts(text: str, found: list[Candidate], regions: Sequence[str]) -> None:
    """Append candidates for e-mail addresses, phone numbers (national ones checked against
    ``regions``) and IP addresses."""
    if "@" in text:
        _emails(text, found)
    _spelled_emails(text, found)
    _phones(text, found, regions)
    if "." in text:
        _ipv4(text, found)
    if text.count(":") >= 2:
        _ipv6(text, found)
