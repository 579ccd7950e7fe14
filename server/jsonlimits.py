"""JSON from strangers, parsed only when its nesting is shallow.

Python's json module recurses once per level of nesting, so `[` repeated 100,000 times ends in a
RecursionError deep inside the parser. The nesting is measured first with a flat scan that
skips over strings, so a deep document is refused before it is parsed.
"""

import json
import re
from typing import Any

# A JSON string (with its escapes), or one bracket outside strings.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class JsonRejected(ValueError):
    """The text is not JSON, or nests deeper than allowed; the message says which."""


def too_deep(data: bytes, max_depth: int) -> bool:
    """Whether arrays and objects in `data` nest deeper than `max_depth`."""
    depth = 0
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def loads_limited(data: bytes, max_depth: int) -> Any:
    """Parse JSON whose nesting is at most `max_depth` levels (JsonRejected otherwise)."""
    if too_deep(data, max_depth):
        raise JsonRejected(f"nests arrays or objects deeper than {max_depth} levels")
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise JsonRejected("is not valid JSON") from None
