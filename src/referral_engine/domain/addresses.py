"""E-mail addresses of users: a plain `name@host`, nothing a mail header could be split or hidden
with (no spaces, controls, angle brackets, commas or quotes), in ASCII. No `=?` either: a mail
library reads `=?utf-8?q?...?=` as an encoded word and decodes it, so such an "address" would put
another address, a comma or a line break in the To header."""

from __future__ import annotations

import re

from referral_engine.domain.errors import FieldProblem, InvalidData

ADDRESS_MAX = 254
ADDRESS = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_ADDRESS = re.compile(ADDRESS)


def email_address(value: str, path: str = "email") -> str:
    """The address without surrounding spaces, or InvalidData on `path` saying what it must be."""
    address = value.strip()
    if len(address) > ADDRESS_MAX or not _ADDRESS.fullmatch(address) or "=?" in address:
        problem = "must be an e-mail address such as name@example.org (ASCII letters, no spaces)"
        raise InvalidData([FieldProblem(path, problem, "email")])
    return address
