"""What the pages' service worker precaches (server/service_worker.py): each folder, the URL the
server serves it at, and the patterns of its files, for Workbox's `getManifest`.

`python -m server.precache [BACKBONE_DIR]` prints them as JSON for `tools/service-worker.mjs`
(`make install`).
"""

import json
import sys
from pathlib import Path

from .assets import ENTRIES, FOLDERS, PACKAGES, package_version
from .config import REPO_ROOT

# Besides each package's entry (assets.ENTRIES): the WASM backend's binaries, which TF.js picks
# by the device's cores.
VENDOR_EXTRAS = {"tfjs-backend-wasm": ["*.wasm"]}
# The pages' own files; their tests are not served to pages.
# Scripts with the JSON modules they import (the head recipe, the list of locales), styles,
# icons, and the message catalogues.
STATIC_PATTERNS = ["js/**/*.js", "js/**/*.json", "css/**/*.css", "icons/**/*", "i18n/*.json"]
STATIC_IGNORED = ["js/tests/**"]


def precache_groups(node_modules: Path, static_dir: Path, backbone_dir: Path) -> list[dict]:
    """What the worker precaches: folders, the URL each is served at, and the files in them."""
    groups = [
        {
            "directory": str(static_dir),
            "url_prefix": "/static/",
            "patterns": STATIC_PATTERNS,
            "ignore": STATIC_IGNORED,
        },
        {
            "directory": str(backbone_dir),
            "url_prefix": "/backbones/",
            "patterns": ["*/model.json", "*/metadata.json", "*/*.bin"],
            "ignore": [],
        },
    ]
    for name, entry in sorted(ENTRIES.items()):
        version = package_version(node_modules, PACKAGES[name])
        if version is None:
            continue
        groups.append(
            {
                "directory": str(node_modules / PACKAGES[name] / FOLDERS.get(name, "dist")),
                "url_prefix": f"/vendor/{name}@{version}/",
                "patterns": [entry, *VENDOR_EXTRAS.get(name, [])],
                "ignore": [],
            }
        )
    return groups


if __name__ == "__main__":
    backbone_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "build" / "backbones"
    groups = precache_groups(REPO_ROOT / "node_modules", REPO_ROOT / "static", backbone_dir)
    json.dump(groups, sys.stdout, indent=2)
