"""Serve the pages' npm packages (TensorFlow.js, umap-js) from node_modules (installed by
`npm ci`, never committed)."""

import json
import mimetypes
from pathlib import Path

from flask import Flask, abort, send_from_directory

from .policy import requires

# Python's table lacks WebAssembly; browsers only stream-compile .wasm served as application/wasm.
mimetypes.add_type("application/wasm", ".wasm")

PACKAGES = {
    "tfjs": "@tensorflow/tfjs",
    "tfjs-backend-wasm": "@tensorflow/tfjs-backend-wasm",
    # Loaded by static/js/backend.js only where the browser has a WebGPU adapter.
    "tfjs-backend-webgpu": "@tensorflow/tfjs-backend-webgpu",
    # The map of pictures' UMAP option (static/js/mapWorker.js).
    "umap-js": "umap-js",
    # For pages on other origins that use a Teachable Machine link (server/snippets.py P5JS, and
    # the loaders' checks in tests/browser/test_teachable_machine.py): p5.js, ml5, and
    # @teachablemachine/image on the TF.js 1.3.1 it was made for (an npm alias).
    "p5": "p5",
    "ml5": "ml5",
    "teachablemachine-image": "@teachablemachine/image",
    "tfjs1": "tfjs-1.3.1",
    # The message catalogues' formatter (static/js/i18n/translator.js) and what it imports; the
    # parser also makes the pseudo-locale (static/js/i18n/pseudo.js).
    "intl-messageformat": "intl-messageformat",
    "icu-messageformat-parser": "@formatjs/icu-messageformat-parser",
    "icu-skeleton-parser": "@formatjs/icu-skeleton-parser",
    "fast-memoize": "@formatjs/fast-memoize",
}
FORMATJS = ("intl-messageformat", "icu-messageformat-parser", "icu-skeleton-parser", "fast-memoize")
# The folder of each package that browsers load; dist/ unless named here.
# umap-js's dist/ is CommonJS; lib/ holds its browser bundle, as p5's does.
# formatjs's packages are ES modules in their own folder.
FOLDERS = {"umap-js": "lib", "p5": "lib"} | {name: "" for name in FORMATJS}
# The file a page imports by the package's bare name (its browser build, in that folder).
ENTRIES = {
    "tfjs": "tf.es2017.min.js",
    "tfjs-backend-wasm": "tf-backend-wasm.es2017.min.js",
    "tfjs-backend-webgpu": "tf-backend-webgpu.es2017.min.js",
    "umap-js": "umap-js.min.js",
} | {name: "index.js" for name in FORMATJS}
FOREVER = 365 * 24 * 3600


def package_version(node_modules: Path, package: str) -> str | None:
    """Return the installed version of an npm package, or None when it is not installed."""
    manifest = node_modules / package / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text())["version"]


def import_map(vendor_urls: dict[str, str]) -> dict:
    """The pages' import map: each installed package by its npm name (its browser build, for
    those the pages import) and its folder (`name/`, for its other files), at the versioned URLs
    below."""
    imports = {}
    for name, url in sorted(vendor_urls.items()):
        if name in ENTRIES:
            imports[PACKAGES[name]] = url + ENTRIES[name]
        imports[PACKAGES[name] + "/"] = url
    return {"imports": imports}


def register_assets(app: Flask) -> None:
    """Serve each package's browser folder at a URL that carries its version, cached for good."""
    default = Path(app.root_path).parent / "node_modules"
    node_modules = Path(app.config.get("NODE_MODULES_DIR") or default)
    versions = {name: package_version(node_modules, pkg) for name, pkg in PACKAGES.items()}
    app.config["VENDOR_URLS"] = {
        name: f"/vendor/{name}@{version}/" for name, version in versions.items() if version
    }
    app.config["IMPORT_MAP"] = import_map(app.config["VENDOR_URLS"])

    @app.get("/vendor/<name>@<version>/<path:filename>")
    @requires("public")
    def vendor_file(name: str, version: str, filename: str):
        """A file from an installed npm package; immutable because the URL names its version."""
        if name not in PACKAGES or versions.get(name) != version:
            abort(404)
        folder = node_modules / PACKAGES[name] / FOLDERS.get(name, "dist")
        response = send_from_directory(folder, filename, max_age=FOREVER)
        # Public npm files: sketches on other origins load them, cross-origin isolated or not.
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response
