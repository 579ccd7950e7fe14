"""HTML pages: home, the project studio and the classroom pages. Their text is the message
catalogues' (static/i18n/), put in by the pages' code; the shell's <html lang dir> follows
Accept-Language (server/languages.py) until the page applies its full choice."""

import base64
import hashlib
import json

from flask import Flask, current_app, render_template, request

from . import languages
from .isolation import ISOLATED_SCRIPT_SOURCES, cross_origin_isolation_headers
from .policy import requires

# Only what the pages need: own scripts and styles, WebAssembly and the threaded build's blob:
# workers for TF.js's WASM backend (see server/isolation.py), camera and image blobs, fetches to
# this origin. A page's inline import map is allowed by its hash (content_security_policy).
CSP_DIRECTIVES = [
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
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)


def import_map_text(import_map: dict) -> str:
    """The import map as the page's inline <script type="importmap"> holds it: JSON with `<`
    escaped, so nothing in it can close the tag."""
    return json.dumps(import_map, sort_keys=True).replace("<", "\\u003c")


def content_security_policy(inline_script: str, directives: list[str] = CSP_DIRECTIVES) -> str:
    """The policy of `directives` (the pages' by default), allowing the one inline script (the
    import map) by its sha256."""
    digest = base64.b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
    return "; ".join(
        f"{d} 'sha256-{digest}'" if d.startswith("script-src") else d for d in directives
    )


def render_page(template: str, directives: list[str] = CSP_DIRECTIVES, **context):
    """Render a page with the TF.js URLs and the security headers every page carries, served
    cross-origin isolated so TF.js's WASM backend can use threads; `directives` are its
    Content-Security-Policy (the block editor has its own)."""
    import_map = import_map_text(current_app.config["IMPORT_MAP"])
    lang = languages.shell_locale([tag for tag, _ in request.accept_languages])
    html = render_template(
        template,
        vendor=current_app.config["VENDOR_URLS"],
        import_map=import_map,
        lang=lang,
        dir=languages.direction(lang),
        catalogues=" ".join(languages.catalogues()),
        **context,
    )
    return html, {
        "Content-Security-Policy": content_security_policy(import_map, directives),
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

    # Classroom pages. Like the studio they hold no data: the teacher's, student's and phone's
    # tokens stay in the URL fragment and the page sends them to the API.
    @app.get("/classroom")
    @app.get("/classroom/<classroom_id>")
    @requires("public")
    def classroom_page(classroom_id: str | None = None):
        """Start a classroom; with an id, the teacher's dashboard."""
        return render_page("classroom_page.html", script="classroom.js", page="classroom")

    @app.get("/classroom/<classroom_id>/cards")
    @requires("public")
    def classroom_cards(classroom_id: str):
        """The printable cards: the teacher card and a card per student (the page asks the API
        with the teacher token from the URL fragment)."""
        return render_page("classroom_page.html", script="cards.js", page="cards")

    @app.get("/join")
    @requires("public")
    def join_page():
        """Join a classroom with its code and a nickname."""
        return render_page("classroom_page.html", script="join.js", page="join")

    @app.get("/board")
    @requires("public")
    def board_page():
        """The board for the projector: the join code (in the fragment), its QR code and how
        many students joined; it holds nothing that acts as the teacher."""
        return render_page("classroom_page.html", script="board.js", page="board")

    @app.get("/student")
    @requires("public")
    def student_page():
        """A student's home: their projects and the class's assignments and gallery."""
        return render_page("classroom_page.html", script="student.js", page="student")

    @app.get("/phone")
    @requires("public")
    def phone_page():
        """A paired phone's camera, adding pictures to one class."""
        return render_page("classroom_page.html", script="phone.js", page="phone")
