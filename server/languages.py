"""The languages of the pages: the list the page code chooses from (static/js/i18n/locales.json),
which of them have a catalogue file yet (static/i18n/<locale>.json; the others show English),
and the one a page's shell starts in from the browser's Accept-Language. The page's own code
then applies the choice made on the device and the classroom's language
(static/js/i18n/locales.js chooseLocale, the same rules)."""

import json
from functools import cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
LOCALES = json.loads((STATIC / "js" / "i18n" / "locales.json").read_text())
DEFAULT = LOCALES["default"]
PSEUDO = LOCALES["pseudo"]
SUPPORTED: list[str] = LOCALES["locales"]
TRADITIONAL_CHINESE = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


@cache
def catalogues() -> tuple[str, ...]:
    """The supported locales whose catalogue file exists (the page fetches only these)."""
    return tuple(locale for locale in SUPPORTED if (STATIC / "i18n" / f"{locale}.json").is_file())


def match(tag: str, choices: tuple[str, ...]) -> str | None:
    """The locale of `choices` that serves a language tag: itself, else the same language in
    another region ("es-MX" -> "es", "pt" -> "pt-BR"), not Traditional for Simplified Chinese."""
    wanted = tag.strip().lower().replace("_", "-")
    for locale in choices:
        if locale.lower() == wanted:
            return locale
    language = wanted.split("-")[0]
    if language == "zh" and wanted.startswith(TRADITIONAL_CHINESE):
        return None
    same = [c for c in choices if c != PSEUDO and c.split("-")[0].lower() == language]
    return (language if language in choices else None) or (same[0] if same else None)


def shell_locale(accept_languages: list[str]) -> str:
    """The locale a page's HTML starts in: the first of the browser's languages (best first)
    that Snapclass speaks, else English."""
    for tag in accept_languages:
        locale = match(tag, tuple(SUPPORTED))
        if locale:
            return locale
    return DEFAULT


def direction(locale: str) -> str:
    return "rtl" if locale.split("-")[0] in LOCALES["rtl"] else "ltr"


# What a teacher may set as a classroom's language: the languages, not the pseudo-locale.
CLASSROOM_CHOICES = tuple(locale for locale in SUPPORTED if locale != PSEUDO)
