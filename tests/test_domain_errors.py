"""Domain modules refuse with server/errors.py's exceptions and know nothing of HTTP requests."""

import ast
from pathlib import Path

import pytest

from server import errors
from server.finetune.settings import parse_settings
from server.images import check_image

SERVER = Path(__file__).resolve().parents[1] / "server"
# The HTTP layer: blueprints, the access decision and the credential it reads, the page
# blueprints of share links and of the block editor, the handler that writes problem details,
# and the hooks every request passes (its size caps, its headers, its log lines).
HTTP_LAYER = {
    "policy.py", "credentials.py", "share_pages.py", "blocks_editor.py", "problems.py",
    "request_limits.py", "headers.py", "access_log.py",
}  # fmt: skip
HTTP_NAMES = {"request", "abort_problem", "field_error", "ApiProblem", "abort"}
# Modules that serve static files answer a missing one with Flask's plain 404.
FILE_ROUTES = {"assets.py": {"abort"}, "backbone_files.py": {"abort"}}


def http_names_used(path: Path) -> set[str]:
    """The request object and HTTP-error helpers a module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found |= {alias.name for alias in node.names} & HTTP_NAMES
    return found


def test_only_the_http_layer_reads_requests_or_raises_http_errors():
    offenders = {}
    for path in sorted(SERVER.rglob("*.py")):
        relative = path.relative_to(SERVER)
        if relative.parts[0] == "api" or str(relative) in HTTP_LAYER:
            continue
        names = http_names_used(path) - FILE_ROUTES.get(str(relative), set())
        if names:
            offenders[str(relative)] = sorted(names)
    assert offenders == {}


@pytest.mark.parametrize(
    ("data", "kind", "status"),
    [
        (b"", errors.Invalid, 400),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, errors.Invalid, 400),
        (b"GIF89a" + b"\0" * 20, errors.UnsupportedType, 415),
        (b"\xff\xd8\xff" + b"\0" * 200, errors.TooLarge, 413),
    ],
)
def test_a_refused_picture_says_why_without_a_request(data, kind, status):
    with pytest.raises(kind) as refused:
        check_image(data, max_bytes=100, max_pixels=100, label="photo.png")
    assert refused.value.status == status and refused.value.title
    assert "photo.png" in refused.value.detail


def test_a_bad_setting_names_its_field():
    with pytest.raises(errors.FieldInvalid) as refused:
        parse_settings({"epochs": 0})
    error = refused.value
    assert error.status == 400 and error.field == "epochs"
    assert error.extras == {"errors": [{"field": "epochs", "message": "must be from 1 to 100"}]}
