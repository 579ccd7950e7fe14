"""The service worker's script and the web app manifest as the server gives them, and the files
the worker precaches: each at a URL the server serves (server/precache.py)."""

import json
from pathlib import Path

import pytest

from server.config import REPO_ROOT
from server.precache import precache_groups
from server.service_worker import MANIFEST, WORKER_POLICY

SCRIPT = "/* a generated worker */\nself.addEventListener('fetch', () => {});\n"


@pytest.fixture
def worker_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "service-worker"
    folder.mkdir()
    (folder / "sw.js").write_text(SCRIPT)
    return folder


def test_the_worker_is_served_at_the_root_fresh_and_locked_down(make_app, worker_dir):
    client = make_app(SERVICE_WORKER_DIR=str(worker_dir)).test_client()
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == SCRIPT
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["Content-Security-Policy"] == WORKER_POLICY
        # At the root, its scope is the whole origin without a Service-Worker-Allowed header.
        assert "Service-Worker-Allowed" not in response.headers
    page = client.get("/p/some-project").get_data(as_text=True)
    assert 'data-service-worker="/sw.js">' in page.split("\n")[1]  # on <html>


@pytest.mark.parametrize("setting", ["", "missing"])
def test_without_a_generated_worker_pages_register_none(make_app, tmp_path, setting):
    folder = str(tmp_path / setting) if setting else ""
    client = make_app(SERVICE_WORKER_DIR=folder).test_client()
    assert client.get("/sw.js").status_code == 404
    page = client.get("/p/some-project").get_data(as_text=True)
    assert "data-service-worker" not in page
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


def test_the_manifest_opens_the_app_in_its_own_window_with_icons_the_server_has(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest == MANIFEST
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    purposes = set()
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as served:
            assert served.status_code == 200, icon["src"]
            assert served.mimetype == icon["type"]
        purposes.add(icon.get("purpose", "any"))
    assert purposes == {"any", "maskable"}


def test_every_precached_file_is_served_at_its_url(app, client, backbone):
    groups = precache_groups(
        REPO_ROOT / "node_modules", Path(app.static_folder), Path(app.config["BACKBONE_DIR"])
    )
    prefixes = {group["url_prefix"].split("@")[0] for group in groups}
    assert {"/static/", "/backbones/", "/vendor/tfjs", "/vendor/tfjs-backend-wasm"} <= prefixes
    urls = []
    for group in groups:
        folder = Path(group["directory"])
        ignored = {path for pattern in group["ignore"] for path in folder.glob(pattern)}
        for pattern in group["patterns"]:
            for path in sorted(set(folder.glob(pattern)) - ignored):
                if not path.is_file():
                    continue
                url = group["url_prefix"] + path.relative_to(folder).as_posix()
                with client.get(url) as served:
                    assert served.status_code == 200, url
                    assert served.get_data() == path.read_bytes(), url
                urls.append(url)
    assert len(urls) > 50
    assert "/static/js/studio.js" in urls
    # The pages' Node tests are not part of any page.
    assert not [url for url in urls if url.startswith("/static/js/tests/")]
