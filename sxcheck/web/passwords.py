"""Passwords hashed with argon2id (argon2-cffi's defaults, RFC 9106's second choice).

Verifying takes tens of milliseconds by design; the login throttle (web.security)
keeps guessing slower still. A hash made with older parameters is replaced at the
next successful login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_LENGTH = 8
# a login for an unknown account verifies against this, so it takes as long as a real one
_DUMMY = _HASHER.hash("sxcheck-no-such-account")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"密码至少 {MIN_LENGTH} 个字符")
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Does the password match the stored hash (None: no such account, still as slow)?"""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
