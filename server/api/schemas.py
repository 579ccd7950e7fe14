"""JSON Schemas of the API's bodies, for the OpenAPI document. Their limits are the validators'
own constants, imported here, so the document cannot state another number."""

from dataclasses import fields
from typing import Any

from ..classrooms import MAX_RETENTION_DAYS
from ..finetune.settings import CHOICES, RANGES, FinetuneSettings
from ..languages import CLASSROOM_CHOICES
from ..problem_codes import CODES
from .classrooms import INSTRUCTIONS_MAX, NAME_MAX, NICKNAME_MAX
from .common import CLASS_NAME_MAX
from .projects import QUIZ_MAX_QUESTIONS, TITLE_MAX
from .qr import TEXT_MAX
from .shares import MAX_EXPIRY_DAYS


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": properties}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
TIMESTAMP = {"type": "string", "format": "date-time"}
CLASS_NAME = {"type": "string", "minLength": 1, "maxLength": CLASS_NAME_MAX}
TITLE = {"type": "string", "minLength": 1, "maxLength": TITLE_MAX}
CLASSROOM_NAME = {"type": "string", "minLength": 1, "maxLength": NAME_MAX}
RETENTION_DAYS = {"type": "integer", "minimum": 1, "maximum": MAX_RETENTION_DAYS}
CLASS_ID = {"type": "string", "description": "A class's public id."}
CLASS_REF = {"type": ["string", "null"], "description": "A class id; null: unlabelled."}
LANGUAGE = {
    "type": ["string", "null"],
    "enum": [*CLASSROOM_CHOICES, None],
    "description": "The classroom's language, which its pages show students unless they chose "
    "another on their computer; null: each student's browser decides.",
}

PROJECT = obj(
    ("id", "title", "created", "classes", "unlabelled_count", "sample_count"),
    id=STRING,
    title=STRING,
    created=TIMESTAMP,
    backbone_id={
        "type": ["string", "null"],
        "description": "The backbone its pictures are prepared with (null: the server has none).",
    },
    classes={"type": "array", "items": ref("Class")},
    unlabelled_count=INTEGER,
    sample_count=INTEGER,
    classroom={
        "type": ["object", "null"],
        "description": "null for a project of no classroom.",
        "properties": {
            "published_to_class": {"type": "boolean"},
            "quiz": {**ref("QuizDone"), "description": "null until the student finishes the quiz"},
            "language": LANGUAGE,
        },
    },
)
QUIZ_DONE = {
    "type": ["object", "null"],
    "required": ["right", "total", "finished"],
    "properties": {"right": INTEGER, "total": INTEGER, "finished": TIMESTAMP},
}

SCHEMAS: dict[str, Any] = {
    "Problem": obj(
        ("type", "title", "status", "detail", "code"),
        type=STRING,
        title=STRING,
        status=INTEGER,
        detail=STRING,
        code={
            "enum": list(CODES),
            "description": "What went wrong, stable for the pages to translate (the message "
            "catalogues' error.<code>; title and detail are English). Each status has its general "
            "code; the others name a precise refusal.",
        },
        params={
            "type": "object",
            "description": "The values the code's message names: name (a file), limit (a count).",
        },
        errors={"type": "array", "items": obj(("field", "message"), field=STRING, message=STRING)},
    ),
    "ProjectCreate": obj(
        (),
        title=TITLE,
        classes={"type": "array", "items": CLASS_NAME},
        assignment_id={
            "type": "string",
            "description": "With a student token: start from this assignment of the classroom "
            "(its title unless one is given, and its classes).",
        },
    ),
    "ProjectUpdate": {
        **obj((), title=TITLE, backbone_id={**STRING, "description": "One of GET /api/backbones."}),
        "minProperties": 1,
    },
    "Project": PROJECT,
    "NewProject": {
        "allOf": [ref("Project"), obj(("owner_token",), owner_token=STRING)],
        "description": "The new project; keep owner_token, it is never shown again.",
    },
    "ClassCreate": obj(("name",), name=CLASS_NAME),
    "ClassUpdate": obj((), name=CLASS_NAME, position={"type": "integer", "minimum": 0}),
    "Class": obj(
        ("id", "name", "position", "sample_count"),
        id=CLASS_ID,
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
        class_id=CLASS_ID,
        source={"enum": ["webcam", "upload"], "default": "upload"},
    ),
    "SamplePage": obj(
        ("samples", "page", "per_page", "total", "next_cursor"),
        samples={"type": "array", "items": ref("Sample")},
        page={"type": ["integer", "null"], "description": "null when paged by cursor"},
        per_page=INTEGER,
        total=INTEGER,
        next_cursor={
            "type": ["string", "null"],
            "description": "Send as `after` for the next page; null on the last page.",
        },
    ),
    "Relabel": obj(("class_id",), class_id=CLASS_REF),
    "BulkRelabel": obj(
        ("ids", "class_id"),
        ids={"type": "array", "items": STRING, "minItems": 1},
        class_id=CLASS_REF,
    ),
    "BackboneList": obj(
        ("default", "backbones"),
        default={"type": ["string", "null"]},
        backbones={
            "type": "array",
            "items": obj(
                ("id", "model_url", "metadata", "download_bytes", "kind"),
                id=STRING,
                model_url=STRING,
                metadata={"type": "object"},
                download_bytes={**INTEGER, "description": "The weight files' size in bytes."},
                kind={
                    "enum": ["faster", "moreAccurate", None],
                    "description": "What the studio offers it as: the newest export of each "
                    "architecture it offers; null: not offered.",
                },
            ),
        },
    ),
}

# Models, share links and project zips.
LABEL = obj(("class_id", "name"), class_id=CLASS_ID, name=CLASS_NAME)
SUMMARY = {"type": ["object", "null"], "properties": {"id": STRING, "number": INTEGER}}
EXPORT_LINK = obj(
    ("format", "title", "filename", "url", "snippet"),
    format=STRING,
    title=STRING,
    filename=STRING,
    url=STRING,
    snippet=STRING,
)


def model_schema(label: dict[str, Any], metrics: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A saved version as its owner (Model) or a share link's holder (SharedModel) sees it: the
    same fields but for what a label holds, what the metrics may hold, and `more`."""
    return obj(
        ("id", "number", "tier", "backbone_id", "labels", "published", "created", "exports"),
        id=STRING,
        number=INTEGER,
        tier={"enum": ["browser", "server"]},
        backbone_id=STRING,
        labels={"type": "array", "items": label},
        metrics=metrics,
        published={"type": "boolean"},
        created=TIMESTAMP,
        exports={"type": "array", "items": EXPORT_LINK},
        **more,
    )


SCHEMAS |= {
    "ModelCreate": obj(
        ("head", "labels", "backbone_id"),
        head={"type": "object", "description": "trainer.js serializeHead output."},
        labels={"type": "array", "items": LABEL, "minItems": 2},
        backbone_id=STRING,
        settings={"type": "object"},
        metrics={"type": "object"},
    ),
    "Model": model_schema(
        label=LABEL,
        metrics={"type": "object"},
        settings={"type": "object"},
    ),
    "ModelList": obj(("models",), models={"type": "array", "items": ref("Model")}),
    # A version as a share link's holder, or a classmate in the class gallery, sees it.
    "SharedModel": model_schema(
        label=obj(("name",), name=CLASS_NAME),
        metrics={"type": "object", "description": "numbers and lists of numbers only"},
    ),
    "ShareCreate": obj(
        (),
        follow_published={"type": "boolean", "default": False},
        expires_in_days={"type": "integer", "minimum": 1, "maximum": MAX_EXPIRY_DAYS},
    ),
    "Share": obj(
        ("token", "url", "follows_published", "state", "created"),
        token=STRING,
        url=STRING,
        follows_published={"type": "boolean"},
        model=SUMMARY,
        shows=SUMMARY,
        state={"enum": ["active", "revoked", "expired", "pending"]},
        approved={
            "type": ["boolean", "null"],
            "description": "null: needs no approval; false: waits for the classroom's teacher.",
        },
        created=TIMESTAMP,
        expires={"type": ["string", "null"], "format": "date-time"},
        revoked={"type": ["string", "null"], "format": "date-time"},
    ),
    "ShareList": obj(("shares",), shares={"type": "array", "items": ref("Share")}),
    "ProjectImport": obj(("file",), file={"type": "string", "contentMediaType": "application/zip"}),
    "ImportedProject": {
        "allOf": [
            ref("NewProject"),
            obj(
                ("imported",),
                imported=obj(
                    ("classes", "samples", "skipped", "skipped_count"),
                    classes=INTEGER,
                    samples=INTEGER,
                    skipped={
                        "type": "array",
                        "items": obj(("file", "reason"), file=STRING, reason=STRING),
                    },
                    skipped_count=INTEGER,
                ),
            ),
        ],
    },
}

# Fine-tuning jobs.
NUMBER_OR_NULL = {"type": ["number", "null"]}
SETTING_TEXT = {
    "input_size": "Picture size to train on; the model made takes the backbone's size.",
    "blend": "Share of the fine-tuned change kept: the model made is start + blend * (trained - "
    "start). null: 0.5 for projects of fewer than 25 pictures a class, else 1.",
}


def setting(field) -> dict[str, Any]:
    """A fine-tuning setting's schema: its choices or range and its default, as
    server/finetune/settings.py checks them."""
    if field.name in CHOICES:
        schema: dict[str, Any] = {"enum": list(CHOICES[field.name])}
    else:
        low, high = RANGES[field.name]
        kind = "number" if isinstance(low, float) else "integer"
        schema = {"type": [kind, "null"] if field.default is None else kind}
        schema |= {"minimum": low, "maximum": high}
    schema["default"] = field.default
    if field.name in SETTING_TEXT:
        schema["description"] = SETTING_TEXT[field.name]
    return schema


SCHEMAS |= {
    "FinetuneSettings": obj(
        (), **{field.name: setting(field) for field in fields(FinetuneSettings)}
    ),
    "FinetuneCreate": {
        "allOf": [
            ref("FinetuneSettings"),
            obj(
                (),
                backbone_id={
                    **STRING,
                    "description": "Default: the most accurate backbone of GET /api/backbones.",
                },
                head={"type": "object", "description": "trainer.js serializeHead output."},
                head_labels={"type": "array", "items": CLASS_ID},
            ),
        ],
        "description": "All optional. The head (the page's, trained on the project's backbone; "
        "without one, the newest saved browser version's of the job's backbone) starts the job "
        "when it was trained on the backbone the job fine-tunes; otherwise the job fits one.",
    },
    "Job": obj(
        ("id", "project_id", "kind", "state", "settings", "progress", "error", "model", "created"),
        id=STRING,
        project_id=STRING,
        kind={"enum": ["finetune"]},
        state={"enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
        settings=ref("FinetuneSettings"),
        backbone_id={"type": ["string", "null"]},
        starts_from={"enum": ["browser head", "fitted head"]},
        progress=obj(
            (),
            phase={"enum": ["queued", "loading", "preparing", "training", "exporting"]},
            epoch=INTEGER,
            epochs=INTEGER,
            step=INTEGER,
            steps=INTEGER,
            loss=NUMBER_OR_NULL,
            val_accuracy=NUMBER_OR_NULL,
            images_per_second=NUMBER_OR_NULL,
            history={"type": "array", "items": {"type": "object"}},
        ),
        error={"type": ["string", "null"]},
        model={
            "oneOf": [
                {"type": "null"},
                obj(
                    ("id", "number", "tier", "labels", "metrics", "model_url"),
                    id=STRING,
                    number=INTEGER,
                    tier={"enum": ["server"]},
                    labels={"type": "array", "items": LABEL},
                    metrics={"type": "object"},
                    image_size=INTEGER,
                    model_url=STRING,
                ),
            ]
        },
        created=TIMESTAMP,
        started={"type": ["string", "null"], "format": "date-time"},
        finished={"type": ["string", "null"], "format": "date-time"},
    ),
    "JobList": obj(("jobs",), jobs={"type": "array", "items": ref("Job")}),
}

# Classrooms, their students and phone pairings.
CLASSROOM_FIELDS = {
    "id": STRING,
    "name": STRING,
    "join_code": STRING,
    "join_url": STRING,
    "join_open": {"type": "boolean"},
    "retention_days": RETENTION_DAYS,
    "share_approval": {"type": "boolean"},
    "language": LANGUAGE,
    "created": TIMESTAMP,
    "last_activity": TIMESTAMP,
    "expires_at": TIMESTAMP,
}
STUDENT_FIELDS = {
    "id": STRING,
    "nickname": STRING,
    "created": TIMESTAMP,
    "last_seen": TIMESTAMP,
}
SCHEMAS |= {
    "ClassroomCreate": obj(("name",), name=CLASSROOM_NAME),
    "ClassroomUpdate": obj(
        (),
        name=CLASSROOM_NAME,
        join_open={"type": "boolean"},
        retention_days=RETENTION_DAYS,
        share_approval={"type": "boolean"},
        language=LANGUAGE,
    ),
    "Classroom": obj(tuple(CLASSROOM_FIELDS), **CLASSROOM_FIELDS),
    "NewClassroom": {
        "allOf": [
            ref("Classroom"),
            obj(("teacher_token", "teacher_url"), teacher_token=STRING, teacher_url=STRING),
        ],
        "description": "The new classroom; keep teacher_token, it is never shown again.",
    },
    "ClassroomProject": obj(
        ("id", "title", "classes", "sample_count", "model_count", "share_count"),
        id=STRING,
        title=STRING,
        classes={
            "type": "array",
            "items": obj((), id=CLASS_ID, name=STRING, sample_count=INTEGER),
        },
        sample_count=INTEGER,
        model_count=INTEGER,
        share_count=INTEGER,
        pending_share_count=INTEGER,
        published_to_class={"type": "boolean"},
        quiz=ref("QuizDone"),
        created=TIMESTAMP,
    ),
    "Student": obj(
        tuple(STUDENT_FIELDS),
        **STUDENT_FIELDS,
        projects={"type": "array", "items": ref("ClassroomProject")},
    ),
    "StudentList": obj(("students",), students={"type": "array", "items": ref("Student")}),
    "ClassroomDetail": {
        "allOf": [
            ref("Classroom"),
            obj(
                ("students", "assignments"),
                students={"type": "array", "items": ref("Student")},
                assignments={"type": "array", "items": ref("Assignment")},
            ),
        ]
    },
    "BoardCode": obj(
        ("code",),
        code={"type": "string", "description": "The join code; case, spaces and dashes ignored."},
    ),
    "Board": obj(
        ("name", "join_code", "join_url", "student_count"),
        name=STRING,
        join_code=STRING,
        join_url=STRING,
        student_count={"type": "integer", "minimum": 0},
        language=LANGUAGE,
    ),
    "Join": obj(
        ("code", "nickname"),
        code={"type": "string", "description": "The join code; case, spaces and dashes ignored."},
        nickname={"type": "string", "minLength": 1, "maxLength": NICKNAME_MAX},
    ),
    "StudentToken": obj(
        ("student_token", "student_url", "student"),
        student_token=STRING,
        student_url=STRING,
        student=ref("Student"),
        classroom=obj(("id", "name"), id=STRING, name=STRING, language=LANGUAGE),
    ),
    "AssignmentCreate": obj(
        ("title",),
        title=TITLE,
        instructions={"type": "string", "maxLength": INSTRUCTIONS_MAX},
        classes={"type": "array", "items": CLASS_NAME},
    ),
    "Assignment": obj(
        ("id", "title", "instructions", "classes"),
        id=STRING,
        title=STRING,
        instructions=STRING,
        classes={"type": "array", "items": STRING},
        created=TIMESTAMP,
    ),
    "AssignmentList": obj(
        ("assignments",), assignments={"type": "array", "items": ref("Assignment")}
    ),
    "Gallery": obj(
        ("gallery",),
        gallery={
            "type": "array",
            "items": obj(
                ("project", "nickname", "model"),
                project=obj(("title",), title=STRING),
                nickname=STRING,
                model=ref("SharedModel"),
            ),
        },
    ),
    "GalleryChoice": obj(("published",), published={"type": "boolean"}),
    "QuizResult": obj(
        ("right", "total"),
        right={
            "type": "integer",
            "minimum": 0,
            "maximum": QUIZ_MAX_QUESTIONS,
            "description": "right first time",
        },
        total={
            "type": "integer",
            "minimum": 1,
            "maximum": QUIZ_MAX_QUESTIONS,
            "description": "questions",
        },
    ),
    "QuizDone": QUIZ_DONE,
    "StudentHome": obj(
        ("student", "classroom", "assignments"),
        student=ref("Student"),
        classroom=obj(
            ("id", "name", "expires_at"),
            id=STRING,
            name=STRING,
            expires_at=TIMESTAMP,
            language=LANGUAGE,
        ),
        assignments={"type": "array", "items": ref("Assignment")},
    ),
    "ClassProject": obj(
        ("id", "title", "assignment_id", "let_all_through", "created"),
        id=STRING,
        title=STRING,
        assignment_id={
            "type": ["string", "null"],
            "description": "null: its assignment was deleted",
        },
        let_all_through={"type": "boolean"},
        created=TIMESTAMP,
    ),
    "ClassProjectList": obj(
        ("class_projects",), class_projects={"type": "array", "items": ref("ClassProject")}
    ),
    "ClassProjectStart": obj(("assignment_id",), assignment_id=STRING),
    "ClassProjectChange": obj(("let_all_through",), let_all_through={"type": "boolean"}),
    "ClassPicture": {
        "allOf": [
            ref("Sample"),
            obj(
                ("approved",),
                approved={"type": "boolean", "description": "shown to the classmates"},
                mine={"type": "boolean", "description": "(a student) added by this student"},
                contributor={
                    "type": ["object", "null"],
                    "description": "(the teacher) who added it; null: the teacher",
                },
            ),
        ]
    },
    "ClassPictureList": obj(("samples",), samples={"type": "array", "items": ref("ClassPicture")}),
    "ClassProjectView": {
        "allOf": [
            ref("ClassProject"),
            obj(
                ("classes", "sample_count", "pictures"),
                classes={
                    "type": "array",
                    "items": obj(
                        ("id", "name", "sample_count"),
                        id=CLASS_ID,
                        name=STRING,
                        sample_count=INTEGER,
                    ),
                },
                sample_count=INTEGER,
                pictures={"type": "array", "items": ref("ClassPicture")},
                waiting_count=INTEGER,
                contributors={
                    "type": "array",
                    "items": obj(
                        ("id", "nickname", "picture_count"),
                        id=STRING,
                        nickname=STRING,
                        picture_count=INTEGER,
                    ),
                },
            ),
        ]
    },
    "PicturesRemoved": obj(("removed",), removed=INTEGER),
    "QrText": obj(("text",), text={"type": "string", "minLength": 1, "maxLength": TEXT_MAX}),
    "Pairing": obj(("url", "expires_at"), url=STRING, expires_at=TIMESTAMP),
    "PairingTarget": obj(
        ("project", "class"),
        project=obj(("title",), title=STRING),
        **{"class": obj(("id", "name"), id=CLASS_ID, name=STRING)},
        language=LANGUAGE,
    ),
}

# The teacher's class at a glance (server/class_overview.py).
PICTURE_REF = obj(
    ("id", "class_id", "created", "image_url"),
    id=STRING,
    class_id={"type": ["string", "null"]},
    created=TIMESTAMP,
    image_url=STRING,
)
SCHEMAS |= {
    "OverviewProject": obj(
        ("id", "title", "classes", "sample_count", "latest_pictures", "latest_model", "quiz",
         "pending_links"),
        id=STRING,
        title=STRING,
        classes={
            "type": "array",
            "items": obj(("id", "name", "sample_count"), id=CLASS_ID, name=STRING,
                         sample_count=INTEGER),
        },
        sample_count=INTEGER,
        latest_pictures={"type": "array", "items": PICTURE_REF,
                         "description": "The newest few pictures, newest first."},
        latest_model={
            "type": ["object", "null"],
            "required": ["number", "val_accuracy", "created"],
            "properties": {"number": INTEGER, "val_accuracy": NUMBER_OR_NULL,
                           "created": TIMESTAMP},
        },
        quiz=ref("QuizDone"),
        pending_links={
            "type": "array",
            "items": obj(("token", "created"), token=STRING, created=TIMESTAMP),
        },
    ),
    "ClassOverview": {"allOf": [ref("Classroom"), obj(
        ("students", "assignments", "etag"),
        assignments={"type": "array", "items": ref("Assignment")},
        etag={"type": "string", "description": "Changes whenever a student's row does."},
        students={
            "type": "array",
            "items": obj(
                ("id", "nickname", "last_activity", "projects", "etag"),
                id=STRING,
                nickname=STRING,
                last_activity=TIMESTAMP,
                etag={"type": "string", "description": "Changes whenever this row does "
                      "(picture URLs aside)."},
                projects={"type": "array", "items": ref("OverviewProject")},
            ),
        },
    )]},
    "ClassPictures": obj(
        ("pictures", "page", "per_page", "total"),
        pictures={
            "type": "array",
            "items": obj(
                ("id", "project_id", "project_title", "student_id", "nickname", "class_name",
                 "created", "image_url"),
                id=STRING,
                project_id=STRING,
                project_title=STRING,
                student_id=STRING,
                nickname=STRING,
                class_name={"type": ["string", "null"]},
                created=TIMESTAMP,
                image_url=STRING,
            ),
        },
        page=INTEGER,
        per_page=INTEGER,
        total=INTEGER,
    ),
    "StudentCards": obj(
        ("cards",),
        cards={
            "type": "array",
            "items": obj(("id", "nickname", "student_url"), id=STRING, nickname=STRING,
                         student_url=STRING),
        },
    ),
}  # fmt: skip
