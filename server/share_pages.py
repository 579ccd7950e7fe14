"""The share page /s/<token> and its model files: read-only, revocable, never stale.

Unknown tokens all get one identical 404; revoked or expired links get 410 Gone, page and files
alike. Every answer is `Cache-Control: no-cache` with an ETag, so a browser asks again each time
(and gets a 304 when nothing changed): a new publish shows at once, a revocation too.
"""

import hashlib
import json

from flask import Blueprint, Flask, current_app, request, url_for

from .backbone_files import backbone_dir, load_backbone
from .db import db
from .errors import DomainError
from .exports import export_links
from .models import Project
from .pages import render_page
from .policy import requires
from .preload import backbone_files, module_graph
from .problems import problem_response
from .sharing import (
    NO_SUCH_LINK,
    LinkState,
    link_state,
    public_metrics,
    resolve_link,
    was_deleted,
)
from .snippets import p5_snippet
from .storage import blob_store
from .teachable import teachable_file

bp = Blueprint("share_pages", __name__)

GONE = "This model was withdrawn by its owner, or its link has expired."
NOTHING_PUBLISHED = "Nothing is published at this link yet."


def no_cache(response):
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/s/<token>")
@requires("public")  # the link is its own credential: see live_version
def share_page(token: str):
    """The shared model: live webcam predictions and 'try an image', for anyone with the link."""
    state = resolve_link(token)
    gone = state.gone if state is not None else was_deleted(token)
    pending = state is not None and link_state(state.link) == "pending"
    name = "missing" if state is None and not gone else "withdrawn" if gone else "live"
    name = "pending" if pending else name  # a classroom link the teacher has not approved yet
    status = {"missing": 404, "withdrawn": 410, "pending": 410, "live": 200}[name]
    preload = share_preloads(token, state.version) if name == "live" else {}
    html, headers = render_page("share.html", state=name, preload=preload)
    return html, status, {**headers, "Cache-Control": "no-cache"}


def share_preloads(token: str, version) -> dict[str, list[str]]:
    """What a live share page will load, for its <head>: its modules, and the files its scripts
    fetch (the link's model.json, the backbone or graph model). Not TF.js's WASM binary: which
    build a device gets depends on its cores (static/js/backend.js), and a preload of the other
    one would be half a megabyte for nothing."""
    modules = module_graph(current_app.static_folder, "js/share.js")
    fetches = [f"/s/{token}/model.json"]
    if version is not None and version.tier == "server":
        graph_files = [name for name in sorted(version.artifacts) if name.startswith("tfjs/")]
        fetches += [f"/s/{token}/{name}" for name in graph_files]
    elif version is not None and load_backbone(version.backbone_id) is not None:
        folder = str(backbone_dir() / version.backbone_id)
        fetches += [f"/backbones/{version.backbone_id}/{name}" for name in backbone_files(folder)]
    return {
        "modules": [url_for("static", filename=path) for path in modules],
        "fetches": fetches,
    }


def live_version(token: str):
    """The link's state, or the problem response that answers for a missing or gone link."""
    state = resolve_link(token)
    if state is None and was_deleted(token):
        return no_cache(problem_response(410, GONE, code="share_gone"))
    if state is None:
        return no_cache(problem_response(404, NO_SUCH_LINK, code="no_such_link"))
    if state.gone:
        return no_cache(problem_response(410, GONE, code="share_gone"))
    if state.version is None:
        return no_cache(problem_response(404, NOTHING_PUBLISHED))
    return state


@bp.get("/s/<token>/model.json")
@requires("public")  # the link is its own credential: see live_version
def share_model(token: str):
    """What the page needs to run the model: name, labels, backbone and head (or graph model)."""
    state = live_version(token)
    if not isinstance(state, LinkState):
        return state
    version = state.version
    project = db.session.get(Project, version.project_id)
    description = {
        "name": project.title,
        "model": {"id": version.public_id, "number": version.number, "tier": version.tier},
        "labels": [label["name"] for label in version.labels],
        "metrics": public_metrics(version.metrics),
        "backbone": {"id": version.backbone_id, "url": f"/backbones/{version.backbone_id}/"},
        "exports": export_links(project, version, token),
        "teachable_machine": teachable_link(token),
    }
    if version.tier == "server":
        description["graph_model_url"] = f"/s/{token}/tfjs/model.json"
    else:
        description["head"] = json.loads(blob_store().read(version.artifacts["head"]))
    return conditional(json.dumps(description, ensure_ascii=False).encode(), "application/json")


def teachable_link(token: str) -> dict[str, str]:
    """The link's Teachable Machine folder and the p5.js sketch that uses it, as absolute URLs:
    they are pasted into pages and editors elsewhere."""
    root = request.host_url.rstrip("/")
    vendor = current_app.config["VENDOR_URLS"]
    url = f"{root}/s/{token}/tm/"
    p5 = f"{root}{vendor.get('p5', '/vendor/p5/')}p5.min.js"
    ml5 = f"{root}{vendor.get('ml5', '/vendor/ml5/')}ml5.min.js"
    return {"url": url, "p5_snippet": p5_snippet(url, p5, ml5)}


@bp.get("/s/<token>/tfjs/<path:filename>")
@requires("public")  # the link is its own credential: see live_version
def share_graph_file(token: str, filename: str):
    """A file of a fine-tuned version's TF.js graph model."""
    state = live_version(token)
    if not isinstance(state, LinkState):
        return state
    sha256 = state.version.artifacts.get(f"tfjs/{filename}")
    if sha256 is None:
        return no_cache(problem_response(404, f"This model has no file {filename[:100]!r}."))
    mimetype = "application/json" if filename.endswith(".json") else "application/octet-stream"
    return conditional(blob_store().read(sha256), mimetype, sha256)


@bp.get("/s/<token>/tm/<path:filename>")
@requires("public")  # the link is its own credential: see live_version
def share_teachable_file(token: str, filename: str):
    """The Teachable Machine folder of a link (model.json, weights.bin, metadata.json), for
    pages on any origin: @teachablemachine/image, ml5, p5.js sketches, Scratch extensions."""
    state = live_version(token)
    if not isinstance(state, LinkState):
        return for_any_origin(state)
    try:
        found = teachable_file(state.version, filename)
    except DomainError as error:  # e.g. the backbone's weights are not on this server
        answer = problem_response(error.status, error.detail, code=error.code)
        return for_any_origin(no_cache(answer))
    if found is None:
        return for_any_origin(
            no_cache(problem_response(404, f"No Teachable Machine file {filename[:100]!r}."))
        )
    sha256, mimetype = found
    return for_any_origin(conditional(blob_store().read(sha256), mimetype, sha256))


def for_any_origin(response):
    """Readable by pages of every origin (CORS), and loadable by cross-origin isolated ones."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def conditional(body: bytes, mimetype: str, etag: str | None = None):
    """A no-cache response with an ETag, answered 304 when the browser has it already."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.set_etag(etag or hashlib.sha256(body).hexdigest()[:32])
    no_cache(response)
    return response.make_conditional(request)


def register_share_pages(app: Flask) -> None:
    """Serve the share pages and their model files."""
    app.register_blueprint(bp)
