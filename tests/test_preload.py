"""A share page announces everything it will load in its <head>, so nothing waits its turn."""

import json
import re
from pathlib import Path

from server.preload import module_graph

from .conftest import BACKBONE_ID


def test_module_graph_follows_every_relative_import(tmp_path: Path):
    js = tmp_path / "js"
    (js / "parts").mkdir(parents=True)
    (js / "page.js").write_text(
        "import { a } from './a.js';\nimport './parts/b.js';\n// import './commented.js';\n"
    )
    (js / "a.js").write_text("import {\n  b,\n} from './parts/b.js';\nexport const a = 1;\n")
    (js / "parts" / "b.js").write_text("import { a } from '../a.js';\nexport const b = 2;\n")
    assert module_graph(str(tmp_path), "js/page.js") == ("js/page.js", "js/a.js", "js/parts/b.js")


def test_the_share_page_graph_holds_the_trainer_and_its_dataset_module(app):
    graph = module_graph(app.static_folder, "js/share.js")
    assert graph[0] == "js/share.js"
    assert {"js/head.js", "js/backbone.js", "js/backend.js"} <= set(graph)


def test_share_page_preloads_its_modules_model_and_backbone(api, project, client, backbone_dir):
    manifest = [{"paths": ["group1-shard1of1.bin"], "weights": []}]
    model_json = backbone_dir / BACKBONE_ID / "model.json"
    model_json.write_text(json.dumps({"weightsManifest": manifest}))
    token = api.share(project, api.save_model(project))["token"]
    html = client.get(f"/s/{token}").get_data(as_text=True)
    modules = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    fetches = re.findall(r'<link rel="preload" as="fetch" crossorigin href="([^"]+)">', html)
    # TF.js's two builds first (the largest), then the page's own modules.
    assert [m.split("/")[-1] for m in modules[:2]] == [
        "tf.es2017.min.js",
        "tf-backend-wasm.es2017.min.js",
    ]
    assert modules[2] == "/static/js/share.js" and "/static/js/head.js" in modules
    assert fetches[0] == f"/s/{token}/model.json"
    backbone = f"/backbones/{BACKBONE_ID}/"
    assert [url for url in fetches if url.startswith(backbone)] == [
        backbone + name for name in ("metadata.json", "model.json", "group1-shard1of1.bin")
    ]
    for url in modules + fetches:
        with client.get(url) as response:  # file responses hold their file open until closed
            assert response.status_code == 200, url


def test_a_withdrawn_link_preloads_nothing(api, project, client):
    token = api.share(project, api.save_model(project))["token"]
    client.delete(f"/api/shares/{token}", headers=api.auth(project))
    html = client.get(f"/s/{token}").get_data(as_text=True)
    assert 'rel="preload"' not in html and 'rel="modulepreload"' not in html
