"""Nicknames in a classroom: what a student may be called, and when two names are the same.

A nickname is stored NFKC-normalised (fullwidth "Ａｎａ" is "Ana"), with runs of spaces made one.
Invisible characters (zero-width spaces and joiners, soft hyphens, direction marks and overrides,
fillers) and control characters (NUL, line breaks) are refused: a name must look like what it is.

Two nicknames are the same in a classroom when their keys are equal. The key ignores case and
look-alike characters: a character that Unicode's confusables table (UTS #39, as the
confusable-homoglyphs package ships it) pairs with an ASCII one is replaced by it, then I, 1
and | by l and 0 by O, then case is folded. So Cyrillic "Аna" is Latin "Ana", "B0B" is "Bob",
and "AI" is "Al"; accents count ("José" is not "Jose").
"""

import hashlib
import re
import unicodedata
from functools import cache

from confusable_homoglyphs import confusables

# General categories refused: controls, format characters (zero-width, soft hyphen, bidi marks
# and overrides), private use, surrogates, unassigned, line and paragraph separators.
REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
# Characters that draw nothing but belong to other categories: the combining grapheme joiner,
# Hangul and Khmer fillers, the Mongolian vowel separator, the blank Braille pattern, and the
# variation selectors.
INVISIBLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x2800, 0x3164, 0xFFA0}
VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180F))
INVISIBLE_OR_CONTROL = (
    "must not contain invisible or control characters (zero-width spaces, soft hyphens, "
    "direction marks, line breaks and the like)"
)
SPACES = re.compile(r" {2,}")
KEY_MAX = 40  # the column's width: a longer key is kept as a hash of itself


def _invisible(char: str) -> bool:
    point = ord(char)
    if unicodedata.category(char) in REFUSED_CATEGORIES or point in INVISIBLE:
        return True
    if char.isspace() and char != " ":
        return True
    return any(low <= point <= high for low, high in VARIATION_SELECTORS)


def _normal(text: str) -> str:
    return SPACES.sub(" ", unicodedata.normalize("NFKC", text).strip())


def clean(text: str) -> str:
    """The nickname as stored: NFKC, trimmed, single spaces. ValueError (saying why) when it
    holds an invisible or control character."""
    if any(_invisible(char) for char in unicodedata.normalize("NFKC", text)):
        raise ValueError(INVISIBLE_OR_CONTROL)
    return _normal(text)


@cache
def _ascii_look_alikes() -> dict[str, str]:
    """Each non-ASCII character that looks like an ASCII one -> that ASCII character (a letter
    rather than a digit or a sign when it looks like several)."""
    found = {}
    for char, homoglyphs in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_ones = [h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii()]
        if ascii_ones:
            found[char] = min(ascii_ones, key=lambda c: (not c.isalpha(), not c.isalnum(), c))
    return found


# ASCII characters that look alike, as Unicode's table pairs them: I, 1 and | look like l; 0
# like O.
ASCII_LOOK_ALIKES = str.maketrans({"I": "l", "1": "l", "|": "l", "0": "O"})


def key(nickname: str) -> str:
    """What makes two nicknames the same in a classroom: case and look-alikes ignored (and any
    invisible character a nickname stored before they were refused holds)."""
    look_alikes = _ascii_look_alikes()
    decomposed = unicodedata.normalize("NFD", _normal(nickname))
    mapped = "".join(look_alikes.get(char, char) for char in decomposed if not _invisible(char))
    result = unicodedata.normalize("NFC", mapped.translate(ASCII_LOOK_ALIKES).casefold())
    if len(result) > KEY_MAX:
        return hashlib.sha256(result.encode()).hexdigest()[:KEY_MAX]
    return result
