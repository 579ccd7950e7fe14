"""Every page loads its code one way: ES modules, npm packages by name through an inline import
map that the Content-Security-Policy allows by its hash, and nothing else inline."""

import base64
import hashlib
import json
import re

import pytest

PAGES = ["/", "/p/some-project", "/classroom", "/join", "/board", "/student", "/phone"]
IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)


@pytest.mark.parametrize("url", PAGES)
def test_each_page_has_the_import_map_its_policy_allows_by_hash(client, url):
    response = client.get(url)
    html = response.get_data(as_text=True)
    (text,) = IMPORT_MAP.findall(html)
    imports = json.loads(text)["imports"]
    tfjs = imports["@tensorflow/tfjs"]
    assert re.fullmatch(r"/vendor/tfjs@[\d.]+/tf\.es2017\.min\.js", tfjs)
    assert imports["@tensorflow/tfjs-backend-wasm/"].endswith("/")
    with client.get(tfjs) as served:
        assert served.status_code == 200
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    (script_src,) = [d for d in policy.split("; ") if d.startswith("script-src")]
    assert script_src.split() == [
        "script-src",
        "'self'",
        "blob:",
        "'wasm-unsafe-eval'",
        f"'sha256-{digest}'",
    ]
    # No other inline script, and page code comes as modules only.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('type="importmap"' in s or ('type="module"' in s and "src=" in s) for s in scripts)


def test_the_import_map_cannot_close_its_tag():
    from server.pages import import_map_text

    text = import_map_text({"imports": {"x": "/vendor/</script><script>alert(1)"}})
    assert "</script" not in text and json.loads(text)["imports"]["x"].startswith("/vendor/</")


@pytest.mark.parametrize(
    ("accept", "lang", "direction"),
    [
        ("ar,en;q=0.5", "ar", "rtl"),
        ("pt-PT,fr;q=0.8", "pt-BR", "ltr"),
        ("zh-TW,ja;q=0.5", "ja", "ltr"),
        ("zh-Hant", "en", "ltr"),
        ("nl,es-MX;q=0.9", "es", "ltr"),
        ("", "en", "ltr"),
    ],
)
def test_a_pages_shell_speaks_the_browsers_first_language_snapclass_has(
    client, accept, lang, direction
):
    html = client.get("/join", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}"' in html
    # The catalogue files the page may fetch: English's at least, each one a file.
    (listed,) = re.findall(r'data-catalogues="([^"]*)"', html)
    assert "en" in listed.split()
    for locale in listed.split():
        with client.get(f"/static/i18n/{locale}.json") as served:
            assert served.status_code == 200


def test_the_formatter_and_its_parser_are_served_by_name(client):
    imports = json.loads(IMPORT_MAP.findall(client.get("/").get_data(as_text=True))[0])["imports"]
    for name in ("intl-messageformat", "@formatjs/icu-messageformat-parser"):
        with client.get(imports[name]) as served:
            assert served.status_code == 200 and b"export" in served.data
