"""The API described as OpenAPI 3.1, written by hand next to the views it describes."""

from http import HTTPStatus
from typing import Any

from flask import Blueprint

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
CLASS_ID = param("class_id", schema={"type": "integer"}, text="The class id.")
BACKBONE_ID = param("backbone_id", text="A backbone id from GET /api/backbones.")


def op(
    summary: str,
    ok: tuple[int, str | None, Any],
    params: tuple = (),
    body: tuple[str, Any] | None = None,
    write: bool = False,
    errors: tuple[int, ...] = (404,),
) -> dict[str, Any]:
    """One operation: ok = (status, media type or None, schema); body = (media type, schema)."""
    status, media, schema = ok
    success = {"description": "Success"}
    if media:
        success["content"] = {media: {"schema": schema}}
    codes = set(errors) | ({401, 403, 404} if write else set()) | ({400} if body else set())
    responses = {str(status): success} | {
        str(code): {
            "description": HTTPStatus(code).phrase,
            "content": {PROBLEM: {"schema": ref("Problem")}},
        }
        for code in sorted(codes)
    }
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": list(params),
        "responses": responses,
    }
    if body:
        operation["requestBody"] = {"required": True, "content": {body[0]: {"schema": body[1]}}}
    if write:
        operation["security"] = [{"ownerToken": []}]
    return operation


SAMPLES_QUERY = (
    param("class_id", "query", text="A class id, or 'unlabelled'."),
    param("page", "query", {"type": "integer", "minimum": 1, "default": 1}),
    param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
)
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
        "patch": op("Rename a project.", (200, JSON, ref("Project")), (PROJECT_ID,),
                    (JSON, ref("ProjectUpdate")), True),
        "delete": op("Delete a project and its unshared blobs.", NO_CONTENT, (PROJECT_ID,),
                     write=True),
    },
    "/api/projects/{project_id}/classes": {
        "post": op("Add a class.", (201, JSON, ref("Class")), (PROJECT_ID,),
                   (JSON, ref("ClassCreate")), True, (409,)),
    },
    "/api/projects/{project_id}/classes/{class_id}": {
        "patch": op("Rename or move a class.", (200, JSON, ref("Class")), (PROJECT_ID, CLASS_ID),
                    (JSON, ref("ClassUpdate")), True, (409,)),
        "delete": op("Delete a class; its samples become unlabelled unless delete_samples=true.",
                     NO_CONTENT, (PROJECT_ID, CLASS_ID,
                                  param("delete_samples", "query", {"type": "boolean"})),
                     write=True, errors=(400,)),
    },
    "/api/projects/{project_id}/samples": {
        "post": op("Upload images (all or none are added).", (201, JSON, SAMPLE_LIST),
                   (PROJECT_ID,), ("multipart/form-data", ref("SampleUpload")), True, (413, 415)),
        "get": op("List samples, oldest first.", (200, JSON, ref("SamplePage")),
                  (PROJECT_ID, *SAMPLES_QUERY), errors=(400, 404)),
        "patch": op("Relabel many samples.", (200, JSON, SAMPLE_LIST), (PROJECT_ID,),
                    (JSON, ref("BulkRelabel")), True),
    },
    "/api/projects/{project_id}/samples/{sample_id}": {
        "patch": op("Relabel one sample.", (200, JSON, ref("Sample")), (PROJECT_ID, SAMPLE_ID),
                    (JSON, ref("Relabel")), True),
        "delete": op("Delete a sample (and its blob when unshared).", NO_CONTENT,
                     (PROJECT_ID, SAMPLE_ID), write=True),
    },
    "/api/samples/{sample_id}/image": {
        "get": op("The sample's image bytes.", (200, "image/*", IMAGE), (SAMPLE_ID,)),
    },
    "/api/samples/{sample_id}/embeddings/{backbone_id}": {
        "put": op("Store 1 or 2 little-endian float32 vectors for a backbone.", NO_CONTENT,
                  (SAMPLE_ID, BACKBONE_ID), ("application/octet-stream", BINARY), True, (413,)),
        "get": op("Read the stored vectors.", (200, "application/octet-stream", BINARY),
                  (SAMPLE_ID, BACKBONE_ID)),
    },
    "/api/projects/{project_id}/embeddings": {
        "get": op("All stored embeddings of a project for one backbone.",
                  (200, JSON, ref("EmbeddingMap")),
                  (PROJECT_ID, param("backbone", "query", text="A backbone id.")),
                  errors=(400, 404)),
    },
    "/api/backbones": {
        "get": op("Exported backbones and the default one.", (200, JSON, ref("BackboneList")),
                  errors=()),
    },
    "/api/openapi.json": {
        "get": op("This document.", (200, JSON, {"type": "object"}), errors=()),
    },
}  # fmt: skip


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Snapclass API", "version": "1"},
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"ownerToken": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    """This API, described as OpenAPI 3.1."""
    return openapi_document()
