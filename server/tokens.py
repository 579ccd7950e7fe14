"""Secrets handed to people once (owner, student, teacher, pairing and share-link tokens): how a
new one is made, and the only form of it the database keeps, its sha256.

Share links keep their token itself (a link's page shows it again); every other token is stored
only as its hash, so it is shown to its holder once.
"""

import hashlib
import re
import secrets

# 32 random bytes: 256 bits, written in 43 URL-safe characters.
TOKEN_BYTES = 32
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh secret of TOKEN_BYTES random bytes."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
