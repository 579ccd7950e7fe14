"""JSON from strangers, parsed only when it is small, shallow and holds text a database can keep.

Python's json module recurses once per level of nesting, so `[` repeated 100,000 times ends in a
RecursionError deep inside the parser. The nesting is measured first, so a deep document is
refused before it is parsed. The measure runs in time linear in the bytes, whatever they hold:
one regular-expression pass cuts out the strings (an unterminated one runs to the end; its
pattern is possessive, so it never backtracks), one `bytes.translate` keeps the brackets, and
a running sum over them (NumPy) gives the depth. An earlier scan restarted at every quote of an
unterminated string and took seconds on 80 kB.

A lone UTF-16 surrogate (`"\\ud800"`) is valid JSON but no valid text: SQLite, PostgreSQL and
the QR encoder fail on it, so it is refused here, once, for every JSON the server parses.
"""

import json
import re
from typing import Any

import numpy as np

# The most bytes of JSON parsed at once: a trained head of 100 classes on 1,280 features and a
# project file with thousands of samples fit; anything larger is refused unread.
MAX_JSON_BYTES = 16 * 1024 * 1024
# A JSON string with its escapes, or the rest of the text after an unterminated quote.
_STRINGS = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = np.zeros(256, dtype=np.int32)
_DEPTH_STEP[list(b"[{")] = 1
_DEPTH_STEP[list(b"]}")] = -1
# The escape of a UTF-16 surrogate: only JSON that holds one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


class JsonRejected(ValueError):
    """The text is not JSON, nests deeper than allowed, is too large, or holds a lone
    surrogate; the message says which."""


def too_deep(data: bytes, max_depth: int) -> bool:
    """Whether arrays and objects in `data` nest deeper than `max_depth`."""
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return False  # too few openings to nest deeper, wherever they are
    brackets = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    if len(brackets) <= max_depth:
        return False
    steps = _DEPTH_STEP[np.frombuffer(brackets, dtype=np.uint8)]
    return int(np.cumsum(steps).max()) > max_depth


def has_lone_surrogate(value: Any) -> bool:
    """Whether any string (or key) in a parsed JSON value holds a UTF-16 surrogate code point."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    return False


def loads_limited(data: bytes, max_depth: int, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse JSON of at most `max_bytes` whose nesting is at most `max_depth` levels and whose
    text is valid Unicode (JsonRejected otherwise)."""
    if len(data) > max_bytes:
        raise JsonRejected(f"is larger than {max_bytes} bytes")
    if too_deep(data, max_depth):
        raise JsonRejected(f"nests arrays or objects deeper than {max_depth} levels")
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise JsonRejected("is not valid JSON") from None
    # Nesting is at most max_depth here, so the walk's recursion is bounded.
    if _SURROGATE_ESCAPE.search(data) and has_lone_surrogate(value):
        raise JsonRejected(
            "holds a lone UTF-16 surrogate (such as \\ud800), which is not a character"
        )
    return value
