"""JSON Schemas of the API's bodies, for the OpenAPI document."""

from typing import Any


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": properties}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
TIMESTAMP = {"type": "string", "format": "date-time"}
CLASS_NAME = {"type": "string", "minLength": 1, "maxLength": 80}
TITLE = {"type": "string", "minLength": 1, "maxLength": 200}
CLASS_REF = {"type": ["integer", "null"], "description": "A class id; null: unlabelled."}

PROJECT = obj(
    ("id", "title", "created", "classes", "unlabelled_count", "sample_count"),
    id=STRING,
    title=STRING,
    created=TIMESTAMP,
    classes={"type": "array", "items": ref("Class")},
    unlabelled_count=INTEGER,
    sample_count=INTEGER,
)

SCHEMAS: dict[str, Any] = {
    "Problem": obj(
        ("type", "title", "status", "detail"),
        type=STRING,
        title=STRING,
        status=INTEGER,
        detail=STRING,
        errors={"type": "array", "items": obj(("field", "message"), field=STRING, message=STRING)},
    ),
    "ProjectCreate": obj(("title",), title=TITLE, classes={"type": "array", "items": CLASS_NAME}),
    "ProjectUpdate": obj(("title",), title=TITLE),
    "Project": PROJECT,
    "NewProject": {
        "allOf": [ref("Project"), obj(("owner_token",), owner_token=STRING)],
        "description": "The new project; keep owner_token, it is never shown again.",
    },
    "ClassCreate": obj(("name",), name=CLASS_NAME),
    "ClassUpdate": obj((), name=CLASS_NAME, position={"type": "integer", "minimum": 0}),
    "Class": obj(
        ("id", "name", "position", "sample_count"),
        id=INTEGER,
        name=STRING,
        position=INTEGER,
        sample_count=INTEGER,
    ),
    "Sample": obj(
        ("id", "class_id", "sha256", "width", "height", "source", "created", "image_url"),
        id=STRING,
        class_id=CLASS_REF,
        sha256=STRING,
        width=INTEGER,
        height=INTEGER,
        mime_type={"enum": ["image/jpeg", "image/png", "image/webp"]},
        source={"enum": ["webcam", "upload"]},
        created=TIMESTAMP,
        image_url=STRING,
    ),
    "SampleUpload": obj(
        ("file",),
        file={"type": "array", "items": {"type": "string", "contentMediaType": "image/*"}},
        class_id=INTEGER,
        source={"enum": ["webcam", "upload"], "default": "upload"},
    ),
    "SamplePage": obj(
        ("samples", "page", "per_page", "total"),
        samples={"type": "array", "items": ref("Sample")},
        page=INTEGER,
        per_page=INTEGER,
        total=INTEGER,
    ),
    "Relabel": obj(("class_id",), class_id=CLASS_REF),
    "BulkRelabel": obj(
        ("ids", "class_id"),
        ids={"type": "array", "items": STRING, "minItems": 1},
        class_id=CLASS_REF,
    ),
    "EmbeddingMap": obj(
        ("backbone_id", "dim", "embeddings"),
        backbone_id=STRING,
        dim=INTEGER,
        embeddings={
            "type": "object",
            "additionalProperties": {"type": "string", "contentEncoding": "base64"},
            "description": "Sample id -> base64 of its little-endian float32 vectors.",
        },
    ),
    "BackboneList": obj(
        ("default", "backbones"),
        default={"type": ["string", "null"]},
        backbones={
            "type": "array",
            "items": obj(
                ("id", "model_url", "metadata"),
                id=STRING,
                model_url=STRING,
                metadata={"type": "object"},
            ),
        },
    ),
}
