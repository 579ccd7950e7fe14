"""Domain modules refuse with server/errors.py's exceptions and know nothing of HTTP requests."""

import ast
from pathlib import Path

import pytest

from server import errors
from server.finetune.settings import parse_settings
from server.images import check_image

SERVER = Path(__file__).resolve().parents[1] / "server"
# The HTTP layer: blueprints, the access decision (which reads the request's credential), the
# pages (their shell's language from Accept-Language) and the page blueprint of share links, the
# handler that writes problem details, and the hooks every request passes (its size caps, its
# headers, its log lines).
HTTP_LAYER = {
    "policy.py", "pages.py", "share_pages.py", "problems.py", "request_limits.py", "headers.py",
    "access_log.py",
}  # fmt: skip
HTTP_NAMES = {"request", "abort"}
# Modules that serve static files answer a missing one with Flask's plain 404; the block editor's
# also sends the gzipped copy of a file to a browser that accepts it. The service worker's script
# is such a file.
FILE_ROUTES = {
    "assets.py": {"abort"},
    "backbone_files.py": {"abort"},
    "blocks_editor.py": {"abort", "request"},
    "service_worker.py": {"abort"},
}


def http_names_used(path: Path) -> set[str]:
    """The request object and HTTP-error helpers a module imports, or reaches as an attribute of
    a module it imports (flask.request)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found |= {alias.name for alias in node.names} & HTTP_NAMES
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found |= {node.attr} & HTTP_NAMES - {"abort"}  # not a method such as job.abort
    return found


def test_a_request_reached_through_its_module_is_seen(tmp_path):
    module = tmp_path / "sneaky.py"
    module.write_text("import flask\n\n\ndef who():\n    return flask.request.headers\n")
    assert http_names_used(module) == {"request"}


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


def server_imports(path: Path) -> set[str]:
    """The modules of server/ a module imports, anywhere in it (a function's deferred import
    too), as dotted names under server ("api.projects")."""
    package = list(path.relative_to(SERVER).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1] + (node.module or "").split(".")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("server."):
            base = node.module.split(".")[1:]
        else:
            continue
        base = [part for part in base if part]
        for target in (base, *(base + [alias.name] for alias in node.names)):
            if target and SERVER.joinpath(*target).with_suffix(".py").exists():
                found.add(".".join(target))
    return found


def import_cycles() -> set[frozenset[str]]:
    """The groups of server modules that import each other, directly or through others."""
    graph = {
        ".".join(path.relative_to(SERVER).with_suffix("").parts): server_imports(path)
        for path in SERVER.rglob("*.py")
        if path.name != "__init__.py"
    }

    def reached(start: str) -> set[str]:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module not in seen:
                seen.add(module)
                todo.extend(graph.get(module, ()))
        return seen

    reach = {module: reached(module) for module in graph}
    return {
        frozenset({module} | {other for other in reach[module] if module in reach[other]})
        for module in graph
        if module in reach[module]
    }


# Cycles still there, each closed by an import deferred into a function: a zip's import hands a
# .tm file to teachable_projects, which reads pictures with archive's helpers; a .tm export is
# built from exports' TF.js files; storage loads the object store (and boto3) only where one is
# configured. Any other cycle fails.
CYCLES_LEFT = {
    frozenset({"archive", "teachable_projects"}),
    frozenset({"exports", "teachable"}),
    frozenset({"object_store", "storage"}),
}


def test_no_module_imports_one_that_imports_it_back():
    assert import_cycles() <= CYCLES_LEFT
    assert server_imports(SERVER / "sharing.py") >= {"tokens", "db"}  # the reading works


def test_tokens_credentials_sharing_and_classrooms_import_no_cycle():
    access = {"tokens", "credentials", "sharing", "classrooms", "policy"}
    assert [sorted(cycle) for cycle in import_cycles() if cycle & access] == []
