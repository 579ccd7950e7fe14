"""HTML pages: home and the project studio. Their text lives in static/js/strings.js."""

from flask import Flask, current_app, render_template

from .isolation import ISOLATED_SCRIPT_SOURCES, cross_origin_isolation_headers
from .policy import requires

# Only what the pages need: own scripts and styles, WebAssembly and the threaded build's blob:
# workers for TF.js's WASM backend (see server/isolation.py), camera and image blobs, fetches to
# this origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src {ISOLATED_SCRIPT_SOURCES}",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self' blob: data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def render_page(template: str, **context):
    """Render a page with the TF.js URLs and the security headers every page carries, served
    cross-origin isolated so TF.js's WASM backend can use threads."""
    html = render_template(template, vendor=current_app.config["VENDOR_URLS"], **context)
    return html, {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        **cross_origin_isolation_headers(),
    }


def register_pages(app: Flask) -> None:
    """Add the page routes to the app."""

    app.view_functions["static"] = requires("public")(app.view_functions["static"])

    @app.get("/")
    @requires("public")
    def home():
        """Start a project or reopen one this browser made."""
        return render_page("home.html")

    @app.get("/p/<project_id>")
    @requires("public")
    def studio(project_id: str):
        """The studio's page, which holds no data: the page asks the API for the project with
        the owner token from the URL fragment (never sent to the server in the URL)."""
        return render_page("studio.html", project_id=project_id)
