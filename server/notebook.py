""" "Train it yourself in Python": a project as a zip that rebuilds its model in Keras.

The zip holds the labelled pictures in one folder per class (`pictures/<class>/`), `lesson.json`
(class order, the backbone's architecture, weights source and hash), `train.py`, `train.ipynb`
and a README. For a network Keras does not ship (EfficientNet-Lite0) the zip also holds its
builder, generated from `converters/` (NETWORK_MODULES), since users have no Snapclass code.
`train.py` is the one source: the notebook is cut from it at its `# %%` cell markers (the
"percent" format that Jupytext, VS Code and Spyder read), so the two always hold the same code.
"""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path
from typing import IO, Any

import nbformat
from PIL import Image
from sqlalchemy import select

from .archive import folder_name
from .db import db
from .errors import NotReady
from .models import Project, Sample
from .storage import blob_store

TEMPLATE_DIR = Path(__file__).with_name("notebook_template")
CELL_MARKER = "# %%"
# Keras's image_dataset_from_directory reads these; it skips WebP, so WebP becomes PNG.
READABLE = {"image/jpeg": "jpg", "image/png": "png"}
MIN_CLASSES = 2
MIN_PICTURES = 5  # a 20% validation split of fewer holds no picture at all
# The modules train.py imports to rebuild a network Keras lacks, by architecture; written into the
# zip beside it as top-level modules (`from converters.x import` becomes `from x import`). Named,
# not imported: they import Keras, which the server itself never runs (its processes start faster).
NETWORK_MODULES = {"EfficientNet-Lite0": ("converters.efficientnet_lite", "converters.torch_state")}


class NotebookUnavailable(NotReady):
    """The project cannot be trained in Keras yet (too few classes or pictures): 422."""


def script_text() -> str:
    """train.py as students get it."""
    return (TEMPLATE_DIR / "train.py").read_text(encoding="utf-8")


def notebook_from_script(source: str) -> nbformat.NotebookNode:
    """The notebook of a percent-format script: a cell per `# %%` marker, in order.

    `# %% [markdown]` cells lose their leading `# `; `tags=[...]` on a marker become the cell's
    tags (papermill reads the "parameters" tag).
    """
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.update(
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        language_info={"name": "python"},
    )
    for chunk in source.split(CELL_MARKER)[1:]:
        header, _, body = chunk.partition("\n")
        body = body.strip("\n")
        if header.strip() == "[markdown]":
            lines = [line[2:] if line.startswith("# ") else line[1:] for line in body.split("\n")]
            notebook.cells.append(nbformat.v4.new_markdown_cell("\n".join(lines)))
            continue
        cell = nbformat.v4.new_code_cell(body)
        if header.strip().startswith("tags="):
            cell.metadata["tags"] = json.loads(header.strip().removeprefix("tags="))
        notebook.cells.append(cell)
    for number, cell in enumerate(notebook.cells, 1):
        cell.id = f"step-{number}"  # the same zip for the same project, not random ids
    nbformat.validate(notebook)
    return notebook


def network_modules(architecture: str | None) -> dict[str, str]:
    """The builder modules a network's train.py imports: {file name in the zip: source}."""
    files = {}
    for module in NETWORK_MODULES.get(architecture, ()):
        path = Path(importlib.util.find_spec(module).origin)
        source = path.read_text(encoding="utf-8").replace("from converters.", "from ")
        files[path.name] = f"# Snapclass's converters/{path.name}, for train.py.\n{source}"
    return files


def readable_picture(data: bytes, mime_type: str) -> tuple[bytes, str]:
    """(bytes, extension) that Keras can read: JPEG and PNG as they are, the rest as PNG."""
    if mime_type in READABLE:
        return data, READABLE[mime_type]
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG")
    return out.getvalue(), "png"


def write_notebook_zip(project: Project, backbone: dict[str, Any], out: IO[bytes]) -> None:
    """Write the zip for a project whose browser model uses `backbone` (its metadata)."""
    samples = db.session.scalars(
        select(Sample)
        .where(Sample.project_id == project.id, Sample.class_id.is_not(None))
        .order_by(Sample.created, Sample.id)
    ).all()
    by_class: dict[int, list[Sample]] = {}
    for sample in samples:
        by_class.setdefault(sample.class_id, []).append(sample)
    classes = [c for c in project.classes if by_class.get(c.id)]
    if len(classes) < MIN_CLASSES or len(samples) < MIN_PICTURES:
        raise NotebookUnavailable(
            f"Training in Python needs pictures in at least {MIN_CLASSES} classes and "
            f"{MIN_PICTURES} pictures in all; this project has {len(classes)} classes with "
            f"pictures and {len(samples)} labelled pictures."
        )
    taken: set[str] = set()
    folders = {c.id: folder_name(c.name, taken) for c in classes}
    lesson = {
        "title": project.title,
        "classes": [{"name": c.name, "folder": folders[c.id]} for c in classes],
        "weights": {
            "source": backbone.get("weights_source"),
            "sha256": backbone.get("weights_sha256"),
        },
        "backbone": {
            "name": backbone.get("name"),
            "architecture": backbone.get("architecture"),
            "input_size": backbone.get("input_size"),
        },
    }
    script = script_text()
    notebook = nbformat.writes(notebook_from_script(script))
    store = blob_store()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("README.md", (TEMPLATE_DIR / "README.md").read_text(encoding="utf-8")),
            ("train.py", script),
            ("train.ipynb", notebook),
            ("lesson.json", json.dumps(lesson, indent=2, ensure_ascii=False) + "\n"),
            *network_modules(backbone.get("architecture")).items(),
        ):
            archive.writestr(name, text)
        for cls in classes:
            for sample in by_class[cls.id]:
                data, extension = readable_picture(store.read(sample.sha256), sample.mime_type)
                path = f"pictures/{folders[cls.id]}/{sample.sha256[:16]}.{extension}"
                # Pictures are compressed already: stored, not deflated again.
                archive.writestr(path, data, compress_type=zipfile.ZIP_STORED)
