"""HTML pages: home and the project studio. Their text lives in static/js/strings.js."""

from flask import Flask, current_app, render_template

from .policy import requires

# Only what the pages need: own scripts and styles, WebAssembly for TF.js's WASM backend,
# camera and image blobs, fetches to this origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
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
    """Render a page with the TF.js URLs and the security headers every page carries."""
    html = render_template(template, vendor=current_app.config["VENDOR_URLS"], **context)
    return html, {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
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
