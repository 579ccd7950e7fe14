"""Cross-origin isolation for the pages that run TensorFlow.js (studio, share, and any page
rendered by `server.pages.render_page`).

A page served with COOP `same-origin` and COEP `require-corp` is cross-origin isolated
(`crossOriginIsolated` is true in it), which gives it SharedArrayBuffer, so TF.js's WASM backend
loads its threaded SIMD build and runs the backbone on every core instead of one. The pages load
nothing from other origins (scripts, styles, models, pictures and TF.js all come from this
server; the camera, blob: and data: URLs are not subresources another origin serves), so
require-corp blocks nothing they use. COOP `same-origin` cuts the window off from cross-origin
openers and popups, which none of the pages need.

The threaded build starts its workers from a blob: URL holding TF.js's own WASM loader, so the
pages' Content-Security-Policy must allow blob: scripts (`ISOLATED_SCRIPT_SOURCES`); a blob: URL
can only be made by script already running in the page, so this lets in nothing from outside.
"""

CROSS_ORIGIN_ISOLATION = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}

# script-src of an isolated page: its own scripts, TF.js's blob: workers, and WebAssembly.
ISOLATED_SCRIPT_SOURCES = "'self' blob: 'wasm-unsafe-eval'"


def cross_origin_isolation_headers() -> dict[str, str]:
    """The response headers that make a page cross-origin isolated."""
    return dict(CROSS_ORIGIN_ISOLATION)
