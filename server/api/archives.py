"""Project files: download a project as a zip; create a project from a zip of class folders."""

import tempfile
import zipfile

from flask import Blueprint, request

from ..archive import create_project, plan_import, write_project_zip
from ..backbone_files import (
    load_backbone,
    project_backbone_id,
)
from ..errors import FieldInvalid, Invalid, UnsupportedType
from ..exports import slug
from ..models import Project
from ..notebook import NotebookUnavailable, write_notebook_zip
from ..policy import PROJECT, current_credential, requires
from ..teachable_projects import write_teachable_zip
from ..tokens import hash_token, new_token
from .common import zip_download
from .projects import project_json

bp = Blueprint("archives", __name__, url_prefix="/api/projects")


@bp.get("/<project_id>/archive")
@requires("read_project", PROJECT)
def download_archive(project: Project):
    """The whole project as a zip: a folder of pictures per class, and project.json; with
    `?format=tm`, as a Teachable Machine project file (.tm)."""
    fmt = request.args.get("format", "zip")
    if fmt not in ("zip", "tm"):
        raise FieldInvalid("format", "must be zip or tm")
    # A temporary file rather than memory: a project may hold hundreds of megabytes.
    out = tempfile.TemporaryFile()
    if fmt == "tm":
        write_teachable_zip(project, out)
        name = f"{slug(project.title)}.tm"
    else:
        write_project_zip(project, out)
        name = f"{slug(project.title)}-project.zip"
    return zip_download(out, name)


@bp.get("/<project_id>/notebook")
@requires("read_project", PROJECT)
def download_notebook(project: Project):
    """The project's pictures with train.py and train.ipynb, which rebuild its model in Keras."""
    out = tempfile.TemporaryFile()
    try:
        write_notebook_zip(project, project_backbone(project), out)
    except NotebookUnavailable:
        out.close()
        raise
    return zip_download(out, f"{slug(project.title)}-train-it-yourself.zip")


def project_backbone(project) -> dict:
    """The project's network (the one its studio prepares pictures with): train.py rebuilds
    MobileNetV2 and EfficientNet-Lite0, and learns from the pictures themselves."""
    return load_backbone(project_backbone_id(project.backbone_id) or "") or {}


@bp.post("/import")
@requires("create_project", limit="create")
def import_archive():
    """Create a project from a zip (multipart `file`): ours, any zip of class folders, or a
    Teachable Machine project (.tm). With a student's token it is that student's, in their
    classroom, and has no owner token (as POST /api/projects)."""
    uploads = request.files.getlist("file")
    if len(uploads) != 1:
        raise FieldInvalid("file", "send one zip file as the multipart 'file' part")
    upload = uploads[0]
    try:
        with zipfile.ZipFile(upload.stream) as archive:
            plan = plan_import(archive, upload.filename or "")
    except zipfile.BadZipFile:
        raise UnsupportedType("The file is not a zip archive.", code="not_a_zip") from None
    except (UnicodeDecodeError, ValueError, EOFError, OSError, NotImplementedError):
        # e.g. names flagged as UTF-8 that are not, or a damaged directory
        raise Invalid(
            "The zip archive is damaged and cannot be read.", code="zip_damaged"
        ) from None
    token = new_token()
    credential = current_credential()
    student = (
        (credential.classroom_id, credential.student_id) if credential.kind == "student" else None
    )
    project = create_project(plan, hash_token(token), student)
    imported = {
        "classes": len(plan.class_names),
        "samples": len(plan.pictures),
        "skipped": plan.skipped,
        "skipped_count": plan.skipped_count,
    }
    body = {**project_json(project), "imported": imported}
    if student is None:
        body["owner_token"] = token
    return body, 201, {"Location": f"/api/projects/{project.public_id}"}
