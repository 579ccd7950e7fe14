"""A model version's files for the page to load: a server-tier model's TF.js files (model.json
and weight shards), or a browser-tier version's trained head (head.json).

TF.js loads model.json and then the shards it names from the same folder, keeping the query
string: /api/models/<id>/files/model.json?share=<token> works for a share link too.
"""

from flask import Blueprint, send_file

from ..errors import NotFound
from ..models import ModelVersion
from ..policy import MODEL, requires
from ..storage import blob_store

bp = Blueprint("model_files", __name__, url_prefix="/api")


@bp.get("/models/<model_id>/files/<name>")
@requires("read_model", MODEL)
def model_file(version: ModelVersion, name: str):
    """One file of a version (a fine-tuned model's TF.js files, a saved head's head.json), for
    its owner or a live share link (?share=)."""
    # The name is only a key of the version's artifacts: it never reaches the file system.
    sha256 = version.artifacts.get("head" if name == "head.json" else f"tfjs/{name}")
    if sha256 is None:
        raise NotFound(f"This model has no file {name[:100]!r}.")
    mimetype = "application/json" if name.endswith(".json") else "application/octet-stream"
    response = send_file(blob_store().sendable(sha256), mimetype=mimetype, etag=sha256)
    # The owner's token or a revocable link decides access: shared caches must not keep it.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
