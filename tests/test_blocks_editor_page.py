"""The block editor's page and files (server/blocks_editor.py), as installed by `make install`."""

import gzip

import pytest

BUNDLE = "/blocks/editor/scratch-gui-standalone.js"


def fetch(client, url, **kwargs):
    """A response read whole and closed (its file is not left open)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def editor_installed(app):
    if fetch(app.test_client(), "/blocks/").status_code == 404:
        pytest.fail("The block editor is not installed: run `make install` first.")


def test_only_the_editor_page_may_compile_code(client, editor_installed):
    page = fetch(client, "/blocks/")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert b'data-editor-package="@scratch/scratch-gui-standalone"' in page.data
    assert "'unsafe-eval'" not in fetch(client, "/").headers["Content-Security-Policy"]


def test_the_bundle_is_sent_gzipped_to_browsers_that_accept_it(client, editor_installed):
    plain = fetch(client, BUNDLE)
    packed = fetch(client, BUNDLE, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and packed.mimetype == "text/javascript"
    assert packed.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert len(packed.data) < len(plain.data) / 2
    assert gzip.decompress(packed.data) == plain.data
    # The webpack public path was set to where the files are served.
    assert b'.p="/blocks/editor/"' in plain.data and b'.p="/"' not in plain.data


def test_the_licence_is_served_and_nothing_else_of_the_package(client, editor_installed):
    licence = fetch(client, "/blocks/editor-licence/LICENSE")
    assert licence.status_code == 200 and b"GNU AFFERO GENERAL PUBLIC LICENSE" in licence.data
    assert fetch(client, "/blocks/editor-licence/README.md").status_code == 404
    assert fetch(client, "/blocks/editor/../package.json").status_code == 404
