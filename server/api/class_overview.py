"""The teacher's class at a glance (server/class_overview.py): the dashboard's one request for
the whole class, the moderation view's pages of pictures, and printable student cards."""

from flask import Blueprint, current_app, request

from .. import class_overview, classrooms
from ..errors import FieldInvalid
from ..models import Classroom
from ..policy import CLASSROOM, requires
from .classrooms import assignments_of, classroom_json, student_link, students_of
from .common import int_field
from .paging import size_arg

bp = Blueprint("class_overview", __name__, url_prefix="/api")

PICTURES_MAX_PER_PAGE = 200
PICTURES_PER_PAGE = 48
PICTURES_MAX_PAGE = 1_000_000


@bp.get("/classrooms/<classroom_id>/overview")
@requires("manage_classroom", CLASSROOM)
def class_at_a_glance(classroom: Classroom):
    """The classroom (its settings and assignments) and every student with, per project,
    pictures per class and the latest few, the latest model's validation accuracy, the quiz
    score, share links waiting and the last activity: the dashboard's one request. An ETag
    (the class's etag) answers 304 when nothing changed since the page's last copy."""
    overview = class_overview.overview(classroom)
    settings = classroom_json(classroom) | {"assignments": assignments_of(classroom)}
    body = settings | overview | {"etag": class_overview.etag_of([settings, overview["etag"]])}
    response = current_app.response_class(current_app.json.dumps(body), mimetype="application/json")
    response.set_etag(body["etag"])
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@bp.get("/classrooms/<classroom_id>/pictures")
@requires("manage_classroom", CLASSROOM)
def class_pictures(classroom: Classroom):
    """A page of every picture of the class, newest first, for moderation."""
    page = int_field(request.args.get("page", "1"), "page")
    if not 1 <= page <= PICTURES_MAX_PAGE:
        raise FieldInvalid("page", f"must be from 1 to {PICTURES_MAX_PAGE}")
    per_page = size_arg("per_page", PICTURES_PER_PAGE, PICTURES_MAX_PER_PAGE)
    return class_overview.pictures_page(classroom, page, per_page)


@bp.post("/classrooms/<classroom_id>/student-cards")
@requires("manage_classroom", CLASSROOM)
def student_cards(classroom: Classroom):
    """A new student link for every student, to print on cards: each student's old link, its
    phone pairings and picture URLs stop working, as a reissue does."""
    students = class_overview.by_nickname(students_of(classroom))
    tokens = classrooms.reissue_tokens(students)
    return {
        "cards": [
            {"id": s.public_id, "nickname": s.nickname, "student_url": student_link(token)}
            for s, token in zip(students, tokens, strict=True)
        ]
    }
