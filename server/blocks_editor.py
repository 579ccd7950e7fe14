"""The block editor at /blocks/: a block editor compatible with Scratch 3 projects, served as a
separate program beside Snapclass.

Its files are the prebuilt `dist/` of npm's `@scratch/scratch-gui-standalone` (AGPL-3.0-only),
which `make install` unpacks into build/blocks-editor/ with its webpack public path set to
EDITOR_FILES_URL (the Makefile's BLOCKS_EDITOR_* variables). The page itself
(templates/blocks.html, static/js/blocksEditor.js) mounts the editor and registers Snapclass's
extension (static/js/scratchExtension.js), whose blocks use a Teachable Machine model.

The bundle compiles code at run time (`new Function`), and its styles are injected as <style>
elements, so this page alone gets a Content-Security-Policy with 'unsafe-eval' and inline styles.
It fetches models from any Teachable Machine link (another school server, or the internet when
there is one), so connect-src is open to http: and https:; scripts still come only from here.
It keeps the other pages' cross-origin isolation: the editor loads nothing from other origins
but the models, which are fetched with CORS.
"""

import mimetypes
from pathlib import Path

from flask import Flask, abort, request, send_from_directory

from .assets import package_version
from .isolation import ISOLATED_SCRIPT_SOURCES
from .pages import render_page
from .policy import requires

EDITOR_PACKAGE = "@scratch/scratch-gui-standalone"
LICENCE_FILES = {"LICENSE", "TRADEMARK", "package.json"}
EDITOR_FILES_URL = "/blocks/editor/"  # must match the Makefile's sed of the bundle's public path

# The one inline script of the editor 15.1.1: the loader inside the sandboxed iframe (srcdoc, which
# inherits this policy) where its paint editor runs Paper.js. A new editor version may change it:
# the browser then names the new hash in its console.
PAPER_SANDBOX_SCRIPT = "'sha256-AIzpsAr2DJF6Z9BaBAxpkIJ+YqMmAt9+K0Pkb30/BGE='"

EDITOR_CSP_DIRECTIVES = [
    "default-src 'self'",
    f"script-src {ISOLATED_SCRIPT_SOURCES} 'unsafe-eval' {PAPER_SANDBOX_SCRIPT}",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob: mediastream: data:",
    "font-src 'self' data:",
    "connect-src 'self' blob: data: http: https:",
    "worker-src 'self' blob:",
    "frame-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


def editor_dir(app: Flask) -> Path:
    """Where `make install` unpacked the editor's npm package."""
    default = Path(app.root_path).parent / "build" / "blocks-editor" / "package"
    return Path(app.config.get("BLOCKS_EDITOR_DIR") or default)


def register_blocks_editor(app: Flask) -> None:
    """Add the editor's page and files to the app."""
    folder = editor_dir(app)

    @app.get("/blocks/")
    @requires("public")
    def blocks_editor():
        """The editor; a Teachable Machine link in the fragment (#model=<url>) loads its model."""
        version = package_version(folder.parent, "package")
        if version is None:
            abort(404)
        return render_page(
            "blocks.html",
            directives=EDITOR_CSP_DIRECTIVES,
            editor_files=EDITOR_FILES_URL,
            editor_package=EDITOR_PACKAGE,
            editor_version=version,
        )

    @app.get("/blocks/editor/<path:filename>")
    @requires("public")
    def blocks_editor_file(filename: str):
        """A file of the editor's dist/ folder (the bundle, its chunks, pictures and sounds); the
        bundle gzipped (made at install) to a browser that accepts gzip."""
        dist = folder / "dist"
        gzipped = dist / f"{filename}.gz"
        if "gzip" not in request.accept_encodings or not gzipped.is_file():
            return send_from_directory(dist, filename, max_age=3600)
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = send_from_directory(dist, f"{filename}.gz", mimetype=mimetype, max_age=3600)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        return response

    @app.get("/blocks/editor-licence/<filename>")
    @requires("public")
    def blocks_editor_licence(filename: str):
        """The editor package's licence, trademark notice and manifest, as installed."""
        if filename not in LICENCE_FILES:
            abort(404)
        return send_from_directory(folder, filename, mimetype="text/plain")
