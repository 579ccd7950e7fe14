"""The API described as OpenAPI 3.1: operations written by hand next to the views they describe;
each operation's `security` and refusals derived from the access policy (server/policy.py)."""

import copy
import re
from http import HTTPStatus
from typing import Any

from flask import Blueprint, current_app

from ..policy import GRANTS, Access, access_of, requires
from . import class_overview, embeddings, samples
from .schemas import SCHEMAS, ref

bp = Blueprint("openapi", __name__, url_prefix="/api")

JSON = "application/json"
PROBLEM = "application/problem+json"


def param(name: str, where: str = "path", schema: dict | None = None, text: str = "") -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema or {"type": "string"},
        "description": text,
    }


PROJECT_ID = param("project_id", text="The project's public id.")
SAMPLE_ID = param("sample_id", text="The sample's public id.")
CLASS_ID = param("class_id", text="The class's public id.")
BACKBONE_ID = param("backbone_id", text="A backbone id from GET /api/backbones.")


def problem_reply(code: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(code).phrase,
        "content": {PROBLEM: {"schema": ref("Problem")}},
    }


def op(
    summary: str,
    ok: tuple[int, str | None, Any],
    params: tuple = (),
    body: tuple[str, Any] | None = None,
    errors: tuple[int, ...] = (404,),
) -> dict[str, Any]:
    """One operation: ok = (status, media type or None, schema); body = (media type, schema)."""
    status, media, schema = ok
    success = {"description": "Success"}
    if media:
        success["content"] = {media: {"schema": schema}}
    codes = set(errors) | ({400} if body else set())
    responses = {str(status): success} | {str(code): problem_reply(code) for code in sorted(codes)}
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": list(params),
        "responses": responses,
    }
    if body:
        operation["requestBody"] = {"required": True, "content": {body[0]: {"schema": body[1]}}}
    return operation


def per_page(most: int, default: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": most, "default": default}


AFTER = param(
    "after", "query", text="The next_cursor of the page before; leave it out for the first page."
)
SAMPLES_QUERY = (
    param("class_id", "query", text="A class id, or 'unlabelled'."),
    param(
        "page",
        "query",
        {"type": "integer", "minimum": 1, "maximum": samples.MAX_PAGE, "default": 1},
        "A page number (offset paging); send page or after, not both.",
    ),
    AFTER,
    param("per_page", "query", per_page(samples.MAX_PER_PAGE, samples.DEFAULT_PER_PAGE)),
)
EMBEDDINGS_QUERY = (
    param("backbone", "query", text="A backbone id."),
    AFTER,
    param("per_page", "query", per_page(embeddings.MAX_PER_PAGE, embeddings.DEFAULT_PER_PAGE)),
    param(
        "dtype",
        "query",
        {"enum": ["float32", "float16"], "default": "float32"},
        "The numbers' type: float32 as stored, or float16 (half the bytes).",
    ),
)
EMBEDDING_PAGE = {
    "type": "string",
    "contentMediaType": "application/octet-stream",
    "description": (
        "A uint32 (little-endian): the length of a UTF-8 JSON header that follows, padded with "
        "spaces so the numbers start on an 8-byte boundary: {backbone_id, dim, dtype, ids, "
        "counts, next_cursor}. Then, for each sample id in turn, counts[i] vectors (the "
        "picture, then its mirror image) of dim little-endian numbers of dtype. next_cursor is "
        "null on the last page."
    ),
}
EMBEDDING_BATCH = {
    "type": "string",
    "contentMediaType": "application/octet-stream",
    "description": (
        "Laid out like a page of embeddings: a uint32 (little-endian), the length of a UTF-8 "
        "JSON header {ids, counts} that follows (pad it with spaces to an 8-byte boundary, as "
        "a page does), then for each sample id in turn counts[i] (1 or 2: the picture, then "
        "its mirror image) vectors of the backbone's embedding_size little-endian float32 "
        "numbers. 1 to 100 samples, all of the project; any other sample (a 404 lists them in "
        "missing_ids) or any number that is not finite refuses the whole batch."
    ),
}
BINARY = {"type": "string", "contentMediaType": "application/octet-stream"}
IMAGE = {"type": "string", "contentMediaType": "image/*"}
SAMPLE_LIST = {
    "type": "object",
    "properties": {"samples": {"type": "array", "items": ref("Sample")}},
}
NO_CONTENT = (204, None, None)

PATHS = {
    "/api/projects": {
        "post": op("Create a project; the reply holds its owner token, shown once.",
                   (201, JSON, ref("NewProject")), body=(JSON, ref("ProjectCreate"))),
    },
    "/api/projects/{project_id}": {
        "get": op("Read a project with classes and counts.", (200, JSON, ref("Project")),
                  (PROJECT_ID,)),
        "patch": op("Rename a project or choose its backbone.", (200, JSON, ref("Project")),
                    (PROJECT_ID,), (JSON, ref("ProjectUpdate"))),
        "delete": op("Delete a project and its unshared blobs.", NO_CONTENT, (PROJECT_ID,)),
    },
    "/api/projects/{project_id}/classes": {
        "post": op("Add a class.", (201, JSON, ref("Class")), (PROJECT_ID,),
                   (JSON, ref("ClassCreate")), (409,)),
    },
    "/api/projects/{project_id}/classes/{class_id}": {
        "patch": op("Rename or move a class.", (200, JSON, ref("Class")), (PROJECT_ID, CLASS_ID),
                    (JSON, ref("ClassUpdate")), (409,)),
        "delete": op("Delete a class; its samples become unlabelled unless delete_samples=true.",
                     NO_CONTENT, (PROJECT_ID, CLASS_ID,
                                  param("delete_samples", "query", {"type": "boolean"})),
                     errors=(400,)),
    },
    "/api/projects/{project_id}/samples": {
        "post": op("Upload images (all or none are added).", (201, JSON, SAMPLE_LIST),
                   (PROJECT_ID,), ("multipart/form-data", ref("SampleUpload")), (413, 415)),
        "get": op("List samples, oldest first, a page at a time (by cursor or page number).",
                  (200, JSON, ref("SamplePage")),
                  (PROJECT_ID, *SAMPLES_QUERY), errors=(400, 404)),
        "patch": op("Relabel many samples.", (200, JSON, SAMPLE_LIST), (PROJECT_ID,),
                    (JSON, ref("BulkRelabel"))),
    },
    "/api/projects/{project_id}/samples/{sample_id}": {
        "patch": op("Relabel one sample.", (200, JSON, ref("Sample")), (PROJECT_ID, SAMPLE_ID),
                    (JSON, ref("Relabel"))),
        "delete": op("Delete a sample (and its blob when unshared).", NO_CONTENT,
                     (PROJECT_ID, SAMPLE_ID)),
    },
    "/api/samples/{sample_id}/image": {
        "get": op("The sample's picture, through its signed URL (a sample's image_url).",
                  (200, "image/*", IMAGE),
                  (SAMPLE_ID, param("expires", "query", {"type": "string"},
                                    "When the signed URL stops working (Unix time)."),
                   param("sig", "query", text="The URL's signature."))),
    },
    "/api/samples/{sample_id}/embeddings/{backbone_id}": {
        "put": op("Store 1 or 2 little-endian float32 vectors for a backbone.", NO_CONTENT,
                  (SAMPLE_ID, BACKBONE_ID), ("application/octet-stream", BINARY), (413,)),
        "get": op("Read the stored vectors.", (200, "application/octet-stream", BINARY),
                  (SAMPLE_ID, BACKBONE_ID)),
    },
    "/api/projects/{project_id}/embeddings": {
        "get": op("A page of a project's stored embeddings for one backbone, oldest sample "
                  "first.", (200, "application/octet-stream", EMBEDDING_PAGE),
                  (PROJECT_ID, *EMBEDDINGS_QUERY), errors=(400, 404)),
    },
    "/api/projects/{project_id}/embeddings/{backbone_id}": {
        "put": op("Store (or replace) many samples' embeddings for a backbone at once.",
                  NO_CONTENT, (PROJECT_ID, BACKBONE_ID),
                  ("application/octet-stream", EMBEDDING_BATCH), (404, 413)),
    },
    "/api/backbones": {
        "get": op("Exported backbones and the default one.", (200, JSON, ref("BackboneList")),
                  errors=()),
    },
    "/api/openapi.json": {
        "get": op("This document.", (200, JSON, {"type": "object"}), errors=()),
    },
}  # fmt: skip

# Models, share links and project zips.
MODEL_ID = param("model_id", text="The model version's public id.")
SHARE_QUERY = param("share", "query", text="A share link's token, instead of the owner token.")
ZIP = {"type": "string", "contentMediaType": "application/zip"}
EXPORT_FORMAT = param(
    "format",
    "query",
    {"enum": ["tfjs", "keras", "tflite", "tflite-int8", "savedmodel"]},
    "The export format.",
)
PATHS |= {
    "/api/projects/{project_id}/models": {
        "post": op("Save a trained head as the project's next model version.",
                   (201, JSON, ref("Model")), (PROJECT_ID,), (JSON, ref("ModelCreate")),
                   (409,)),
        "get": op("The project's model versions, newest first.", (200, JSON, ref("ModelList")),
                  (PROJECT_ID,)),
    },
    "/api/models/{model_id}": {
        "get": op("One model version, for its owner or a live share link (?share=); a share "
                  "link's holder and a classmate see it as SharedModel.",
                  (200, JSON, {"anyOf": [ref("Model"), ref("SharedModel")]}),
                  (MODEL_ID, SHARE_QUERY),
                  errors=(401, 403, 404, 410)),
        "delete": op("Delete a version, its exports and the links pinned to it.", NO_CONTENT,
                     (MODEL_ID,)),
    },
    "/api/models/{model_id}/publish": {
        "post": op("Publish this version: links that follow the project show it.",
                   (200, JSON, ref("Model")), (MODEL_ID,)),
    },
    "/api/models/{model_id}/export": {
        "get": op("Download the version in one format (built on first request, then kept).",
                  (200, "application/octet-stream", BINARY), (MODEL_ID, EXPORT_FORMAT, SHARE_QUERY),
                  errors=(400, 401, 403, 404, 409, 410)),
    },
    "/api/models/{model_id}/shares": {
        "post": op("Make a read-only link /s/<token> to this version or to the published one.",
                   (201, JSON, ref("Share")), (MODEL_ID,), (JSON, ref("ShareCreate"))),
    },
    "/api/projects/{project_id}/shares": {
        "get": op("The project's share links, revoked and expired ones included.",
                  (200, JSON, ref("ShareList")), (PROJECT_ID,)),
    },
    "/api/shares/{token}": {
        "delete": op("Revoke a share link; a link of another project answers 404.", NO_CONTENT,
                     (param("token", text="The share link's token."),)),
    },
    "/api/projects/{project_id}/archive": {
        "get": op("The project as a zip: a folder of pictures per class, and project.json; with "
                  "format=tm, a Teachable Machine project file (.tm).",
                  (200, "application/zip", ZIP),
                  (PROJECT_ID, param("format", "query", {"enum": ["zip", "tm"]},
                                     "zip (the default) or tm.")),
                  errors=(400, 404)),
    },
    "/api/projects/{project_id}/notebook": {
        "get": op("The project's pictures with train.py and train.ipynb that rebuild its model in "
                  "Keras.", (200, "application/zip", ZIP), (PROJECT_ID,),
                  errors=(422,)),
    },
    "/api/projects/import": {
        "post": op("Create a project from a zip of class folders or a Teachable Machine .tm "
                   "(all or nothing).",
                   (201, JSON, ref("ImportedProject")),
                   body=("multipart/form-data", ref("ProjectImport")), errors=(413, 415)),
    },
}  # fmt: skip


# Fine-tuning jobs and fine-tuned models' files.
JOB_ID = param("job_id", text="The job's public id.")
PATHS |= {
    "/api/projects/{project_id}/finetune": {
        "post": op("Start fine-tuning the whole network on the server; 202 with the queued job.",
                   (202, JSON, ref("Job")), (PROJECT_ID,), (JSON, ref("FinetuneCreate")),
                   (409, 415, 422, 503)),
    },
    "/api/projects/{project_id}/jobs": {
        "get": op("The project's newest jobs first.", (200, JSON, ref("JobList")), (PROJECT_ID,)),
    },
    "/api/jobs/{job_id}": {
        "get": op("A job's state, progress and, once it succeeded, its model.",
                  (200, JSON, ref("Job")), (JOB_ID,)),
        "delete": op("Cancel a queued or running job.", (200, JSON, ref("Job")), (JOB_ID,),
                     errors=(409,)),
    },
    "/api/models/{model_id}/files/{name}": {
        "get": op("A fine-tuned model's TF.js file (model.json, weight shards).",
                  (200, "application/octet-stream", BINARY),
                  (MODEL_ID, param("name", text="model.json or a shard it names."), SHARE_QUERY),
                  errors=(401, 403, 404, 410)),
    },
}  # fmt: skip


# Classrooms, their students and phone pairings.
CLASSROOM_ID = param("classroom_id", text="The classroom's public id.")
STUDENT_ID = param("student_id", text="The student's public id.")
TOKEN = param("token", text="The share link's token.")
CLASS_PROJECT_ID = param("class_project_id", text="The class project's public id.")
PATHS |= {
    "/api/classrooms": {
        "post": op("Start a classroom; the reply holds its teacher token, shown once.",
                   (201, JSON, ref("NewClassroom")), body=(JSON, ref("ClassroomCreate")),
                   errors=()),
    },
    "/api/classrooms/{classroom_id}": {
        "get": op("The classroom with its students, their projects and counts.",
                  (200, JSON, ref("ClassroomDetail")), (CLASSROOM_ID,)),
        "patch": op("Rename, open or close joining, keep data longer or shorter.",
                    (200, JSON, ref("Classroom")), (CLASSROOM_ID,),
                    (JSON, ref("ClassroomUpdate"))),
        "delete": op("Delete the classroom and everything in it.", NO_CONTENT, (CLASSROOM_ID,)),
    },
    "/api/classrooms/{classroom_id}/teacher-link": {
        "post": op("A new teacher link for a lost one; the old teacher token is refused (401) "
                   "from now on. The reply holds the new token, shown once.",
                   (200, JSON, ref("NewClassroom")), (CLASSROOM_ID,)),
    },
    "/api/classrooms/board": {
        "post": op("The board for the projector: an open classroom's name, join code and how "
                   "many students joined, for anyone with the code (in the body, kept out of "
                   "URLs). A wrong and a closed code get the same 404 and count as failed joins.",
                   (200, JSON, ref("Board")), body=(JSON, ref("BoardCode")),
                   errors=(404, 429)),
    },
    "/api/classrooms/join": {
        "post": op("Join an open classroom with its code and a nickname; the reply holds the "
                   "student token, shown once. A wrong and a closed code get the same 404; a "
                   "taken nickname or a full classroom 409.",
                   (201, JSON, ref("StudentToken")), body=(JSON, ref("Join")),
                   errors=(404, 409, 429)),
    },
    "/api/classrooms/{classroom_id}/students": {
        "get": op("The classroom's students and their projects.", (200, JSON, ref("StudentList")),
                  (CLASSROOM_ID,)),
    },
    "/api/classrooms/{classroom_id}/students/{student_id}": {
        "delete": op("Remove a student with all their projects; their share links answer 410.",
                     NO_CONTENT, (CLASSROOM_ID, STUDENT_ID)),
    },
    "/api/classrooms/{classroom_id}/students/{student_id}/reissue": {
        "post": op("A new student link; the old one stops working.",
                   (200, JSON, ref("StudentToken")), (CLASSROOM_ID, STUDENT_ID)),
    },
    "/api/classrooms/{classroom_id}/assignments": {
        "post": op("Add an assignment: a title, instructions and class names.",
                   (201, JSON, ref("Assignment")), (CLASSROOM_ID,),
                   (JSON, ref("AssignmentCreate"))),
        "get": op("The classroom's assignments.", (200, JSON, ref("AssignmentList")),
                  (CLASSROOM_ID,)),
    },
    "/api/classrooms/{classroom_id}/gallery": {
        "get": op("Models the students published to the class.", (200, JSON, ref("Gallery")),
                  (CLASSROOM_ID,)),
    },
    "/api/classrooms/{classroom_id}/archive": {
        "get": op("The class as a zip: a folder per student, a project zip per project.",
                  (200, "application/zip", ZIP), (CLASSROOM_ID,)),
    },
    "/api/shares/{token}/approve": {
        "post": op("Let a student's share link work (the classroom's teacher).", NO_CONTENT,
                   (TOKEN,)),
    },
    "/api/student": {
        "get": op("The student's classroom, its assignments and the student's projects.",
                  (200, JSON, ref("StudentHome")), errors=()),
    },
    "/api/projects/{project_id}/gallery": {
        "post": op("Show or hide a classroom project's model in the class gallery.",
                   (200, JSON, ref("Project")), (PROJECT_ID,), (JSON, ref("GalleryChoice")),
                   (404, 409)),
    },
    "/api/projects/{project_id}/quiz": {
        "put": op("Record a finished quiz of the lesson, for the classroom's teacher (a classroom "
                  "project only).", (200, JSON, ref("Project")), (PROJECT_ID,),
                  (JSON, ref("QuizResult")), (404, 409)),
    },
    "/api/projects/{project_id}/classes/{class_id}/pairings": {
        "post": op("Pair a phone with this class: a URL (token in its fragment) for a QR code.",
                   (201, JSON, ref("Pairing")), (PROJECT_ID, CLASS_ID)),
        "delete": op("End every phone pairing of this class.", NO_CONTENT,
                     (PROJECT_ID, CLASS_ID)),
    },
    "/api/pairing": {
        "get": op("With a pairing token: the project and class the phone adds pictures to.",
                  (200, JSON, ref("PairingTarget")), errors=()),
    },
    "/api/qr": {
        "post": op("The QR code of a text (a URL) as SVG; the text is sent in the body, so a "
                   "secret link never appears in a URL.", (200, "image/svg+xml", IMAGE),
                   body=(JSON, ref("QrText")), errors=()),
    },
    "/api/classrooms/{classroom_id}/class-projects": {
        "post": op("Start the class project of an assignment: one project the whole class adds "
                   "pictures to (the classroom's teacher).", (201, JSON, ref("ClassProject")),
                   (CLASSROOM_ID,), (JSON, ref("ClassProjectStart")), (404, 409)),
        "get": op("The classroom's class projects.", (200, JSON, ref("ClassProjectList")),
                  (CLASSROOM_ID,)),
    },
    "/api/class-projects/{class_project_id}": {
        "get": op("A class project's classes with their counts and its newest pictures: every "
                  "one with who added it for the teacher; a student's own, the teacher's and "
                  "those let through for a student.", (200, JSON, ref("ClassProjectView")),
                  (CLASS_PROJECT_ID,)),
        "patch": op("Let every picture through at once, or wait for the teacher again.",
                    (200, JSON, ref("ClassProject")), (CLASS_PROJECT_ID,),
                    (JSON, ref("ClassProjectChange"))),
    },
    "/api/class-projects/{class_project_id}/samples": {
        "post": op("A student adds pictures to one class of a class project.",
                   (201, JSON, ref("ClassPictureList")), (CLASS_PROJECT_ID,),
                   ("multipart/form-data", ref("SampleUpload")), (404, 413, 415)),
    },
    "/api/class-projects/{class_project_id}/samples/{sample_id}/approve": {
        "post": op("Let a student's picture through to the classmates (the teacher).",
                   NO_CONTENT, (CLASS_PROJECT_ID, SAMPLE_ID)),
    },
    "/api/class-projects/{class_project_id}/students/{student_id}/pictures": {
        "delete": op("Delete every picture one student added to the class project.",
                     (200, JSON, ref("PicturesRemoved")), (CLASS_PROJECT_ID, STUDENT_ID)),
    },
    "/api/class-projects/{class_project_id}/copy": {
        "post": op("A project of the student's own with the class project's classes and the "
                   "pictures the student sees, to train in their studio.",
                   (201, JSON, ref("Project")), (CLASS_PROJECT_ID,)),
    },
    "/api/pairing/samples": {
        "post": op("With a pairing token: add pictures to the paired class.",
                   (201, JSON, SAMPLE_LIST), body=("multipart/form-data", ref("SampleUpload")),
                   errors=(413, 415)),
    },
}  # fmt: skip


# The teacher's class at a glance, its pictures for moderation, and printable student cards.
PATHS |= {
    "/api/classrooms/{classroom_id}/overview": {
        "get": op("The dashboard's one request: the classroom, its assignments and every "
                  "student with, per project, pictures per class and the newest few, the "
                  "latest model's validation accuracy, the quiz score, share links waiting and "
                  "the last activity; an etag per student. With If-None-Match, 304 when "
                  "nothing changed.",
                  (200, JSON, ref("ClassOverview")), (CLASSROOM_ID,)),
    },
    "/api/classrooms/{classroom_id}/pictures": {
        "get": op("A page of every picture of the class, newest first, for moderation.",
                  (200, JSON, ref("ClassPictures")),
                  (CLASSROOM_ID,
                   param("page", "query", {"type": "integer", "minimum": 1,
                                           "maximum": class_overview.PICTURES_MAX_PAGE,
                                           "default": 1}),
                   param("per_page", "query",
                         per_page(class_overview.PICTURES_MAX_PER_PAGE,
                                  class_overview.PICTURES_PER_PAGE)))),
    },
    "/api/classrooms/{classroom_id}/student-cards": {
        "post": op("A new student link for every student, to print on cards; their old links "
                   "stop working, as a reissue does. The reply holds the links, shown once.",
                   (200, JSON, ref("StudentCards")), (CLASSROOM_ID,)),
    },
}  # fmt: skip

# The security scheme (components.securitySchemes below) that carries each kind of credential of
# server/policy.py; "none" and "invalid" carry none.
SCHEMES = {
    "owner": "ownerToken",
    "share": "shareToken",
    "signed_image": "signedUrl",
    "student": "studentToken",
    "teacher": "teacherToken",
    "pairing": "pairingToken",
}


def security(access: Access) -> list[dict[str, list]]:
    """The operation's `security`: the schemes of the credentials `policy.GRANTS` lets through
    (none, [], when the action is open to a request without a credential)."""
    kinds = GRANTS[access.action]
    if "none" in kinds:
        return []
    return [{SCHEMES[kind]: []} for kind in sorted(kinds & SCHEMES.keys(), key=list(SCHEMES).index)]


def refusals(access: Access) -> set[int]:
    """The statuses with which `policy.requires` may refuse a request to the operation (see
    `policy.refuse`). Any request may be refused 429 after too many wrong credentials from its
    address (server/credentials.py), whatever the action."""
    kinds, codes = GRANTS[access.action], {429}
    if access.action == "public":
        return codes
    codes |= {401, 410}  # a malformed or unknown token; a credential of an expired classroom
    if access.on is not None:
        codes.add(404)  # nothing with the URL's id
    if "none" not in kinds:  # a valid credential of another kind, or for something else
        codes.add(404 if access.hidden else 403)
    if "share" in kinds:
        codes |= {404, 410}  # an unknown link; a withdrawn, expired or unapproved one
    if "signed_image" in kinds:
        codes.add(403)  # a picture URL past its time
    return codes


def openapi_path(rule: str) -> str:
    """/api/projects/<project_id>/classes/<class_id> -> /api/projects/{project_id}/..."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def with_security(paths: dict[str, Any]) -> dict[str, Any]:
    """The paths with each operation's `security` and refusals, derived from the routes' own
    access declarations and `policy.GRANTS`; tests/test_access_policy.py checks the result
    against its hand-written rules and against the answers the routes give."""
    paths = copy.deepcopy(paths)
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        access = access_of(rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = paths.get(openapi_path(rule.rule), {}).get(method.lower())
            if operation is None or access is None:
                continue  # tests/test_openapi.py fails on either
            operation["security"] = security(access)
            for code in sorted(refusals(access)):
                operation["responses"].setdefault(str(code), problem_reply(code))
    return paths


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI document (built inside the app, whose routes it reads)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Snapclass API", "version": "1"},
        "paths": with_security(PATHS),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "ownerToken": {"type": "http", "scheme": "bearer"},
                "studentToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A classroom student's token: all of that student's projects.",
                },
                "teacherToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A classroom's teacher token: its settings, students, and "
                    "reading and moderating every project of it.",
                },
                "pairingToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A phone's pairing token: adds pictures to one class.",
                },
                "shareToken": {"type": "apiKey", "in": "query", "name": "share"},
                "signedUrl": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "sig",
                    "description": "A picture's signed URL (image_url of a sample): sig and "
                    "expires, valid for IMAGE_URL_SECONDS.",
                },
            },
        },
    }


@bp.get("/openapi.json")
@requires("public")
def openapi_json():
    """This API, described as OpenAPI 3.1."""
    return openapi_document()
