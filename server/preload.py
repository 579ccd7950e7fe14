"""What a page will fetch, announced in its <head> so the browser fetches it all at once.

An ES module's imports are only found once the module has arrived, so a page whose modules
import modules loads them one level at a time; `<link rel="modulepreload">` for every module of
the graph, found here by reading the import statements, lets them all come in the first round
trip. `<link rel="preload" as="fetch" crossorigin>` does the same for files the scripts fetch
later (a model's JSON and weights, TF.js's WASM binary); `crossorigin` makes the preload a
same-origin CORS request like the scripts' own `fetch`, so the browser reuses it.
"""

import json
import posixpath
import re
from functools import lru_cache
from pathlib import Path

# `import x from './y.js'`, `import { a } from "../b.js"`, `import './c.js'`: relative imports
# only (the pages import nothing else).
IMPORT = re.compile(r"""^\s*import\s+(?:[^'";]*?\s+from\s+)?['"](\.{1,2}/[^'"]+)['"]""", re.M)


@lru_cache(maxsize=32)
def module_graph(static_folder: str, entry: str) -> tuple[str, ...]:
    """Paths under the static folder of `entry` and every module it imports, directly or not,
    in breadth-first order (entry first). Read once per process: static files change only with
    a deploy, which restarts it."""
    root = Path(static_folder)
    seen = [entry]
    for path in seen:
        source = (root / path).read_text(encoding="utf-8")
        for target in IMPORT.findall(source):
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            inside = not resolved.startswith("../")
            # A JSON module (a language list) is not a script: modulepreload would refuse it.
            script = resolved.endswith(".js")
            if inside and script and resolved not in seen and (root / resolved).is_file():
                seen.append(resolved)
    return tuple(seen)


@lru_cache(maxsize=8)
def backbone_files(folder: str) -> tuple[str, ...]:
    """A backbone export's files in the order the page needs them: metadata.json, model.json,
    then its weight shards (from model.json's weightsManifest); () when there is no export."""
    try:
        manifest = json.loads((Path(folder) / "model.json").read_text())["weightsManifest"]
    except (OSError, ValueError, KeyError, TypeError):
        return ()
    shards = [path for group in manifest for path in group.get("paths", [])]
    return ("metadata.json", "model.json", *shards)
