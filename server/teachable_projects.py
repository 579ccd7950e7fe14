"""Teachable Machine project files (.tm): read into a new project, and written from one.

A .tm file is a zip that Teachable Machine's "Save project to file" writes: every picture at the
zip's top as `<class name>-!-<n>.jpg` (n counts from 0 in each class; names in UTF-8, any
script) and `manifest.json`, `{"type": "image", "version": "2.4.x", "appdata": {...}}`.
Classes come in the order the zip first names them. Reading goes through the project zips'
checks (server/archive.py: names, sizes and count before decompressing, each picture checked
like an upload, the project created whole or not at all).
"""

import io
import json
import re
import zipfile
from pathlib import PurePosixPath
from typing import IO

from PIL import Image
from sqlalchemy import select

from .archive import (
    CLASS_NAME_MAX,
    TITLE_MAX,
    ImportPlan,
    add_class,
    add_picture,
    clean_name,
    read_member,
)
from .db import db
from .errors import Invalid
from .jsonlimits import JsonRejected, loads_limited
from .models import Project, Sample
from .storage import blob_store

MANIFEST = "manifest.json"
SEPARATOR = "-!-"
PICTURE_NAME = re.compile(r"(?P<name>.+)-!-(?P<number>\d+)\.(?:jpe?g|png|webp)", re.IGNORECASE)
TM_VERSION = "2.4.10"
# Teachable Machine's own training defaults, as its manifest's appdata holds them.
APPDATA = {"trainEpochs": 50, "trainBatchSize": 16, "trainLearningRate": 0.001}
JPEG_QUALITY = 95


def teachable_manifest(archive: zipfile.ZipFile, entries, upload_name: str) -> dict | None:
    """The manifest of a Teachable Machine project, None for any other zip. A .tm of another
    kind of project (poses, sounds) is refused."""
    found = next((info for parts, info in entries if parts == [MANIFEST]), None)
    if found is None:
        if (upload_name or "").lower().endswith(".tm"):
            raise Invalid(f"This .tm file has no {MANIFEST}: it is not a Teachable Machine "
                          "project.", code="tm_invalid")  # fmt: skip
        return None
    try:
        manifest = loads_limited(read_member(archive, found, 1024 * 1024), 32)
    except JsonRejected as error:
        raise Invalid(f"{MANIFEST} in the .tm file {error}.", code="tm_invalid") from None
    if not isinstance(manifest, dict) or "type" not in manifest:
        if (upload_name or "").lower().endswith(".tm"):
            raise Invalid(
                f"{MANIFEST} in the .tm file is not a Teachable Machine manifest.",
                code="tm_invalid",
            )
        return None
    if manifest["type"] != "image":
        raise Invalid(f"This is a Teachable Machine {str(manifest['type'])[:40]!r} project; "
                      "Snapclass takes image projects.", code="tm_invalid")  # fmt: skip
    return manifest


def plan_teachable_import(archive: zipfile.ZipFile, entries, upload_name: str) -> ImportPlan:
    """Classes and checked pictures of a .tm file, without touching the database."""
    stem = PurePosixPath(upload_name or "").stem
    plan = ImportPlan(title=clean_name(stem, "Teachable Machine project", TITLE_MAX))
    class_of_name: dict[str, int | None] = {}
    pictures = []
    for parts, info in entries:
        if parts == [MANIFEST]:
            continue
        path = "/".join(parts)
        match = PICTURE_NAME.fullmatch(path)
        if match is None:
            plan.skip(path, f"not named <class>{SEPARATOR}<number>.jpg as in a Teachable "
                            "Machine project")  # fmt: skip
            continue
        name = match["name"]
        if name not in class_of_name:
            add_class(plan, class_of_name, name, clean_name(name, "Class", CLASS_NAME_MAX))
        pictures.append((class_of_name[name], int(match["number"]), path, info))
    seen: dict[str, str] = {}
    for class_index, _number, path, info in sorted(pictures, key=lambda p: p[:2]):
        add_picture(plan, archive, info, path, class_index, "upload", seen)
    if not plan.pictures:
        raise Invalid("The .tm file holds no pictures.", code="tm_no_pictures")
    return plan


def write_teachable_zip(project: Project, out: IO[bytes]) -> None:
    """The project as Teachable Machine saves one: `<class>-!-<n>.jpg` for each class's
    pictures, oldest first, and manifest.json. JPEG pictures go in as stored; PNG and WebP
    ones are encoded as JPEG (quality 95), the only kind a .tm holds. Unlabelled pictures and
    empty classes have no place in a .tm and are left out."""
    store = blob_store()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for cls in project.classes:
            samples = db.session.scalars(
                select(Sample)
                .where(Sample.project_id == project.id, Sample.class_id == cls.id)
                .order_by(Sample.created, Sample.id)
            ).all()
            for number, sample in enumerate(samples):
                data = store.read(sample.sha256)
                if sample.mime_type != "image/jpeg":
                    data = as_jpeg(data)
                archive.writestr(f"{file_stem(cls.name)}{SEPARATOR}{number}.jpg", data)
        manifest = {"type": "image", "version": TM_VERSION, "appdata": APPDATA}
        archive.writestr(MANIFEST, json.dumps(manifest), compress_type=zipfile.ZIP_DEFLATED)


def file_stem(class_name: str) -> str:
    """The class name as the start of a file name at the zip's top: a slash would make it a
    folder, so / and \\ become _."""
    return re.sub(r"[/\\]", "_", class_name)


def as_jpeg(data: bytes) -> bytes:
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()
