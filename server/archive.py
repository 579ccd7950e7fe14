"""Project files: a project as a zip (one folder of pictures per class, plus project.json), and a
new project made from such a zip or from any zip of class folders.

Names inside a zip only ever choose a class; no file is written under a name taken from the zip,
so a path like ../../etc/passwd cannot reach the disk. The zip's stated sizes and file count are
checked before anything is decompressed (zip bombs), each picture is checked like an upload,
and the project is created whole or not at all.
"""

import hashlib
import json
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import IO, Any

from flask import current_app
from sqlalchemy import select

from .backbone_files import load_backbone, project_backbone_id
from .db import db
from .errors import DomainError, Invalid, TooLarge
from .images import CheckedImage, check_image
from .jsonlimits import JsonRejected, loads_limited
from .models import ClassroomProject, Project, ProjectClass, Sample
from .storage import blob_store, blobs_then_rows

PROJECT_FILE = "project.json"
PROJECT_FORMAT = "snapclass-project"
UNLABELLED_FOLDER = "_unlabelled"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# Files that operating systems leave in folders; skipped without a word.
JUNK = {"thumbs.db", "desktop.ini", "__macosx"}
CLASS_NAME_MAX = 80
TITLE_MAX = 200
MAX_REPORTED = 100


def folder_name(name: str, taken: set[str]) -> str:
    """A safe folder name for a class name, different (ignoring case) from those taken."""
    base = re.sub(r"[^\w .-]", "_", unicodedata.normalize("NFC", name)).strip(" .")[:60]
    base = base or "class"
    candidate, number = base, 2
    while candidate.casefold() in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate.casefold())
    return candidate


def write_project_zip(project: Project, out: IO[bytes]) -> None:
    """Write the project's zip: <class folder>/<picture>, _unlabelled/<picture>, project.json."""
    store = blob_store()
    taken = {PROJECT_FILE, UNLABELLED_FOLDER.casefold()}
    folders = {cls.id: folder_name(cls.name, taken) for cls in project.classes}
    samples = db.session.scalars(
        select(Sample).where(Sample.project_id == project.id).order_by(Sample.created, Sample.id)
    ).all()
    listed = []
    # Pictures are compressed already: stored as they are, their bytes come back identical.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for sample in samples:
            folder = folders.get(sample.class_id, UNLABELLED_FOLDER)
            path = f"{folder}/{sample.sha256[:16]}.{EXTENSIONS.get(sample.mime_type, 'img')}"
            archive.writestr(path, store.read(sample.sha256))
            listed.append(
                {
                    "path": path,
                    "sha256": sample.sha256,
                    "source": sample.source,
                    "created": sample.created.isoformat(timespec="seconds") + "Z",
                }
            )
        description = {
            "format": PROJECT_FORMAT,
            "version": 1,
            "title": project.title,
            "backbone_id": project_backbone_id(project.backbone_id),  # the one it uses
            "exported": datetime.now(UTC).isoformat(timespec="seconds"),
            "classes": [{"name": c.name, "folder": folders[c.id]} for c in project.classes],
            "unlabelled_folder": UNLABELLED_FOLDER,
            "samples": listed,
        }
        text = json.dumps(description, indent=2, ensure_ascii=False) + "\n"
        archive.writestr(PROJECT_FILE, text, compress_type=zipfile.ZIP_DEFLATED)


@dataclass
class ImportPlan:
    """What a zip holds: the title, classes in order, and pictures by class (None: unlabelled)."""

    title: str
    backbone_id: str | None = None
    class_names: list[str] = field(default_factory=list)
    pictures: list[tuple[int | None, str, CheckedImage, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    skipped_count: int = 0

    def skip(self, path: str, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_REPORTED:
            self.skipped.append({"file": path, "reason": reason})


def entry_parts(name: str) -> list[str] | None:
    """The path components of a zip entry name, or None when it climbs out or is absolute."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    return None if ".." in parts else parts


def is_junk(parts: list[str]) -> bool:
    return any(part.startswith(".") or part.casefold() in JUNK for part in parts)


def read_entries(archive: zipfile.ZipFile) -> tuple[list[tuple[list[str], zipfile.ZipInfo]], str]:
    """The zip's files as (path parts, info), after checking names, count and total size, and
    the name of the one folder that held them all ("" when there is none)."""
    config = current_app.config
    infos = archive.infolist()
    if len(infos) > config["MAX_IMPORT_FILES"]:
        raise TooLarge(
            f"The zip holds {len(infos)} entries; at most {config['MAX_IMPORT_FILES']} are "
            "accepted.",
            code="zip_too_big",
        )
    total = sum(info.file_size for info in infos)
    if total > config["MAX_IMPORT_BYTES"]:
        raise TooLarge(f"The zip's files add up to {total} bytes once uncompressed; the "
                       f"limit is {config['MAX_IMPORT_BYTES']}.", code="zip_too_big")  # fmt: skip
    entries = []
    for info in infos:
        parts = entry_parts(info.filename)
        if parts is None:
            raise Invalid(f"The zip entry {info.filename[:200]!r} points outside the zip's "
                          "folder; such a zip is refused.")  # fmt: skip
        if not info.is_dir() and parts and not is_junk(parts):
            entries.append((parts, info))
    # A zip of one folder that holds the class folders: look inside that folder.
    tops = {parts[0] for parts, _ in entries}
    if len(tops) == 1 and all(len(parts) >= 2 for parts, _ in entries):
        if any(len(parts) >= 3 for parts, _ in entries):
            return [(parts[1:], info) for parts, info in entries], tops.pop()
    return entries, ""


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes; zipfile stops at the stated size and checks the CRC."""
    try:
        with archive.open(info) as stream:
            return stream.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
        raise Invalid(
            f"The zip entry {info.filename[:200]!r} is damaged ({error}).", code="zip_damaged"
        ) from None
    except (RuntimeError, NotImplementedError) as error:  # encrypted, or an unknown method
        raise Invalid(f"The zip entry {info.filename[:200]!r} cannot be read ({error}).") from None


def project_description(archive: zipfile.ZipFile, entries) -> dict[str, Any] | None:
    """project.json at the zip's top, when it is one of ours."""
    for parts, info in entries:
        if parts == [PROJECT_FILE]:
            data = read_member(archive, info, 16 * 1024 * 1024)
            try:
                description = loads_limited(data, current_app.config["MAX_JSON_DEPTH"])
            except JsonRejected as error:
                raise Invalid(f"{PROJECT_FILE} in the zip {error}.") from None
            if isinstance(description, dict) and description.get("format") == PROJECT_FORMAT:
                return description
    return None


def clean_name(text: Any, fallback: str, limit: int) -> str:
    """A class name or title from a zip: trimmed text of the allowed length, else fallback."""
    text = text.strip()[:limit].strip() if isinstance(text, str) else ""
    return text or fallback


def plan_import(archive: zipfile.ZipFile, upload_name: str) -> ImportPlan:
    """Read a zip into classes and checked pictures, without touching the database."""
    from .teachable_projects import plan_teachable_import, teachable_manifest

    entries, folder = read_entries(archive)
    manifest = teachable_manifest(archive, entries, upload_name)
    if manifest is not None:
        return plan_teachable_import(archive, entries, upload_name)
    description = project_description(archive, entries) or {}
    stem = folder or PurePosixPath(upload_name or "").stem
    fallback = clean_name(stem, "Imported project", TITLE_MAX)
    plan = ImportPlan(title=clean_name(description.get("title"), fallback, TITLE_MAX))
    chosen = description.get("backbone_id")
    # A backbone this server lacks (the zip came from another one) leaves the default.
    if isinstance(chosen, str) and load_backbone(chosen) is not None:
        plan.backbone_id = chosen
    class_of_folder: dict[str, int | None] = {}
    listed = description.get("classes") if isinstance(description.get("classes"), list) else []
    for item in listed:
        if isinstance(item, dict) and isinstance(item.get("folder"), str):
            add_class(plan, class_of_folder, item["folder"], item.get("name"))
    if isinstance(description.get("unlabelled_folder"), str):
        class_of_folder.setdefault(description["unlabelled_folder"], None)
    order = {}
    samples = description.get("samples")
    for index, sample in enumerate(samples if isinstance(samples, list) else []):
        if isinstance(sample, dict) and isinstance(sample.get("path"), str):
            order[sample["path"]] = (index, sample.get("source"))
    files = [(parts, info) for parts, info in entries if parts != [PROJECT_FILE]]
    for parts, _ in sorted(files, key=lambda e: [p.casefold() for p in e[0]]):
        if len(parts) >= 2 and parts[0] not in class_of_folder:
            add_class(plan, class_of_folder, parts[0], parts[0])
    files.sort(key=lambda e: (order.get("/".join(e[0]), (len(order), None))[0], e[0]))
    seen: dict[str, str] = {}
    for parts, info in files:
        path = "/".join(parts)
        source = order.get(path, (0, None))[1]
        class_index = class_of_folder[parts[0]] if len(parts) >= 2 else None
        add_picture(plan, archive, info, path, class_index, source, seen)
    if not plan.class_names and not plan.pictures:
        raise Invalid("The zip holds no pictures: put JPEG, PNG or WebP pictures in one "
                      "folder per class.", code="zip_no_pictures")  # fmt: skip
    return plan


def add_picture(
    plan: ImportPlan,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    path: str,
    class_index: int | None,
    source: Any,
    seen: dict[str, str],
) -> None:
    """Check one picture of the zip like an upload; add it to the plan, or list it as skipped.
    `seen` maps the sha256 of each picture taken so far to its path."""
    config = current_app.config
    if info.file_size > config["MAX_UPLOAD_BYTES"]:
        plan.skip(path, f"larger than {config['MAX_UPLOAD_BYTES']} bytes")
        return
    data = read_member(archive, info, config["MAX_UPLOAD_BYTES"])
    # By the bytes' hash first: a picture seen already is never decoded again.
    raw_sha256 = hashlib.sha256(data).hexdigest()
    if raw_sha256 in seen:
        plan.skip(path, f"the same picture as {seen[raw_sha256]}")
        return
    seen[raw_sha256] = path
    try:
        image = check_image(data, config["MAX_UPLOAD_BYTES"], config["MAX_PIXELS"], path)
    except DomainError as refusal:  # a picture the upload check refuses is left out
        plan.skip(path, refusal.detail)
        return
    if image.sha256 != raw_sha256 and image.sha256 in seen:  # the same once turned upright
        plan.skip(path, f"the same picture as {seen[image.sha256]}")
        return
    seen[image.sha256] = path
    plan.pictures.append((class_index, path, image, source if source == "webcam" else "upload"))


def add_class(plan: ImportPlan, class_of_folder: dict, folder: str, name: Any) -> None:
    """Map a folder to a class; folders whose names clean up alike share one class."""
    name = clean_name(name, clean_name(folder, "Class", CLASS_NAME_MAX), CLASS_NAME_MAX)
    if name not in plan.class_names:
        most = current_app.config["MAX_CLASSES"]
        if len(plan.class_names) >= most:
            raise Invalid(f"The zip holds more than {most} classes, the most a project has.")
        plan.class_names.append(name)
    class_of_folder[folder] = plan.class_names.index(name)


def create_project(
    plan: ImportPlan, owner_token_sha256: str, student: tuple[int, int] | None = None
) -> Project:
    """Write the pictures, then insert the project, its classes and samples in one short
    transaction (storage.blobs_then_rows). `student` (classroom id, student id): the project
    is that classroom student's, as one they start in their classroom."""
    # Stored, as for a new project: the server's default when the zip names none it has.
    backbone_id = plan.backbone_id or project_backbone_id(None)
    project = Project(
        title=plan.title, owner_token_sha256=owner_token_sha256, backbone_id=backbone_id
    )
    project.classes = [ProjectClass(name=n, position=i) for i, n in enumerate(plan.class_names)]
    pictures = {image.sha256: image.data for _class_index, _path, image, _source in plan.pictures}
    with blobs_then_rows(pictures):
        db.session.add(project)
        db.session.flush()  # the classes' ids
        db.session.add_all(
            Sample(
                project_id=project.id,
                class_id=None if class_index is None else project.classes[class_index].id,
                sha256=image.sha256,
                width=image.width,
                height=image.height,
                mime_type=image.mime_type,
                source=source,
            )
            for class_index, _path, image, source in plan.pictures
        )
        if student is not None:
            classroom_id, student_id = student
            db.session.add(
                ClassroomProject(project_id=project.id, classroom_id=classroom_id,
                                 student_id=student_id, published_to_class=False)
            )  # fmt: skip
    return project
