"""Class projects: one project the whole class fills together, started by the teacher from an
assignment.

Every student adds pictures to its classes; each picture records its contributor
(`class_picture`), which only the teacher is shown. Classmates see the classes' counts always,
and a picture once the teacher lets it through, or at once where the teacher chose to let every
picture through (`class_project.let_all_through`). The teacher trains and saves its versions in
the studio with the teacher token; a student trains a copy of what they can see, in a project of
their own. Who may do which is server/policy.py's; this module knows no HTTP.
"""

from sqlalchemy import delete, func, insert, select, true
from sqlalchemy.exc import IntegrityError

from .db import db
from .errors import Conflict
from .models import (
    Assignment,
    ClassPicture,
    ClassProject,
    Classroom,
    ClassroomProject,
    Embedding,
    Project,
    ProjectClass,
    Sample,
    Student,
    new_public_id,
    utcnow,
)
from .storage import delete_unreferenced
from .tokens import hash_token, new_token

ALREADY_STARTED = "This assignment already has a class project."
# A class project's picture URL is given to its teacher ("teacher") or to a student (their
# public id), and bound to that one's token: removing the student, or a new link for them or the
# teacher, ends the URLs they were given. A URL naming nobody of the classroom is bound to this,
# which no URL is signed with.
TEACHER_VIEWER = "teacher"
NOTE_ATTEMPTS = 3
NOBODY = "nobody:"


def viewer_holder(classroom_id: int, viewer: str | None) -> str:
    """The token hash a class project's picture URL given to `viewer` is bound to."""
    if viewer == TEACHER_VIEWER:
        classroom = db.session.get(Classroom, classroom_id)
        return classroom.teacher_token_sha256
    student = None
    if viewer:
        student = db.session.scalar(select(Student).where(Student.public_id == viewer))
    if student is None or student.classroom_id != classroom_id:
        return NOBODY
    return student.token_sha256


def of_classroom(classroom_id: int) -> list[int]:
    """The database ids of the classroom's class projects."""
    query = select(ClassProject.project_id).where(ClassProject.classroom_id == classroom_id)
    return list(db.session.scalars(query))


def start(assignment: Assignment, backbone_id: str) -> Project:
    """The assignment's class project: its title and classes. Its owner token is thrown away at
    once: the classroom's teacher token is what writes it. Commits."""
    taken = db.session.scalar(
        select(ClassProject.project_id).where(ClassProject.assignment_id == assignment.id)
    )
    if taken is not None:
        raise Conflict(ALREADY_STARTED)
    project = Project(
        title=assignment.title,
        owner_token_sha256=hash_token(new_token()),
        backbone_id=backbone_id,
    )
    names = assignment.class_names
    project.classes = [ProjectClass(name=name, position=i) for i, name in enumerate(names)]
    db.session.add(project)
    db.session.flush()
    db.session.add(
        ClassProject(
            project_id=project.id,
            classroom_id=assignment.classroom_id,
            assignment_id=assignment.id,
            let_all_through=False,
        )
    )
    db.session.commit()
    return project


def record_contributions(place: ClassProject, samples: list[Sample], student_id: int) -> None:
    """Note the student as the contributor of those of `samples` that nobody added before (a
    picture the project holds already keeps its first contributor). Commits. A concurrent
    upload of the same pictures may note some first: then the others are noted again, since a
    student's picture without its row would count as the teacher's, shown to the class."""
    ids = [s.id for s in samples]
    for _attempt in range(NOTE_ATTEMPTS):
        query = select(ClassPicture.sample_id).where(ClassPicture.sample_id.in_(ids))
        known = set(db.session.scalars(query))
        rows = [
            {"sample_id": i, "project_id": place.project_id, "student_id": student_id}
            for i in dict.fromkeys(ids)
            if i not in known
        ]
        if not rows:
            return
        try:
            db.session.execute(insert(ClassPicture), [row | {"approved": False} for row in rows])
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
    raise Conflict("Other uploads of the same pictures are being saved; try again.")


def newest_pictures(place: ClassProject, student_id: int | None, most: int):
    """(picture, its contribution or None for the teacher's) of the newest `most` pictures the
    teacher (student_id None: every one, the waiting ones first) or a student sees."""
    query = select(Sample, ClassPicture).outerjoin(
        ClassPicture, ClassPicture.sample_id == Sample.id
    )
    newest = (Sample.created.desc(), Sample.id.desc())
    if student_id is None:
        waiting_first = func.coalesce(ClassPicture.approved, true())
        query = query.where(Sample.project_id == place.project_id).order_by(waiting_first, *newest)
    else:
        query = query.where(shown_to(place, student_id)).order_by(*newest)
    return db.session.execute(query.limit(most)).all()


def contributions_of(samples: list[Sample]) -> list[ClassPicture]:
    ids = [s.id for s in samples]
    return list(db.session.scalars(select(ClassPicture).where(ClassPicture.sample_id.in_(ids))))


def is_shown(place: ClassProject, contribution: ClassPicture | None) -> bool:
    """Whether the class sees a picture: the teacher's, let through, or every one is."""
    return contribution is None or contribution.approved or place.let_all_through


def contribution_counts(project_id: int) -> dict[int, int]:
    """How many pictures each student (by database id) added to the class project."""
    rows = db.session.execute(
        select(ClassPicture.student_id, func.count())
        .where(ClassPicture.project_id == project_id)
        .group_by(ClassPicture.student_id)
    )
    return dict(rows.all())


def waiting_count(place: ClassProject) -> int:
    """How many pictures wait for the teacher to let them through."""
    if place.let_all_through:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(ClassPicture)
        .where(ClassPicture.project_id == place.project_id, ClassPicture.approved.is_(False))
    )


def shown_to(place: ClassProject, student_id: int):
    """The condition on Sample rows a student of the class sees: their own pictures, the
    teacher's, and classmates' ones let through."""
    contribution = select(ClassPicture.sample_id).where(ClassPicture.project_id == place.project_id)
    if place.let_all_through:
        return Sample.project_id == place.project_id
    hidden = contribution.where(
        ClassPicture.approved.is_(False), ClassPicture.student_id != student_id
    )
    return (Sample.project_id == place.project_id) & Sample.id.not_in(hidden)


def let_through(place: ClassProject, sample: Sample) -> None:
    """Show a student's picture to the classmates. Commits."""
    row = db.session.get(ClassPicture, sample.id)
    if row is not None:
        row.approved = True
    db.session.commit()


def remove_contributions(student_id: int, project_id: int | None = None) -> int:
    """Delete every picture the student added to class projects (to one, given `project_id`),
    and the blobs nobody else uses; how many. The caller commits."""
    query = select(Sample.id, Sample.sha256).join(ClassPicture, ClassPicture.sample_id == Sample.id)
    query = query.where(ClassPicture.student_id == student_id)
    if project_id is not None:
        query = query.where(ClassPicture.project_id == project_id)
    rows = db.session.execute(query).all()
    if not rows:
        return 0
    db.session.execute(delete(Sample).where(Sample.id.in_([row.id for row in rows])))
    delete_unreferenced({row.sha256 for row in rows})
    return len(rows)


def copy_for_student(place: ClassProject, classroom_id: int, student_id: int) -> Project:
    """A project of the student's own holding the class project's classes and the pictures the
    student sees, with their stored embeddings: the student trains it in their studio. The
    pictures' blobs are shared, not copied. Commits."""
    source = db.session.get(Project, place.project_id)
    project = Project(
        title=source.title,
        owner_token_sha256=hash_token(new_token()),
        backbone_id=source.backbone_id,
    )
    project.classes = [ProjectClass(name=c.name, position=c.position) for c in source.classes]
    db.session.add(project)
    db.session.flush()
    db.session.add(
        ClassroomProject(
            project_id=project.id,
            classroom_id=classroom_id,
            student_id=student_id,
            assignment_id=place.assignment_id,
            published_to_class=False,
        )
    )
    class_ids = {old.id: new.id for old, new in zip(source.classes, project.classes, strict=True)}
    samples = db.session.scalars(select(Sample).where(shown_to(place, student_id))).all()
    copies = {s.id: new_public_id() for s in samples}
    now = utcnow()
    if samples:
        db.session.execute(
            insert(Sample),
            [
                {
                    "public_id": copies[s.id],
                    "project_id": project.id,
                    "class_id": class_ids.get(s.class_id),
                    "sha256": s.sha256,
                    "width": s.width,
                    "height": s.height,
                    "mime_type": s.mime_type,
                    "source": s.source,
                    "created": now,
                }
                for s in samples
            ],
        )
        _copy_embeddings(project.id, copies)
    db.session.commit()
    return project


def _copy_embeddings(project_id: int, copies: dict[int, str]) -> None:
    new_ids = dict(
        db.session.execute(
            select(Sample.public_id, Sample.id).where(Sample.project_id == project_id)
        ).all()
    )
    old = db.session.scalars(select(Embedding).where(Embedding.sample_id.in_(copies))).all()
    if old:
        db.session.execute(
            insert(Embedding),
            [
                {
                    "sample_id": new_ids[copies[e.sample_id]],
                    "backbone_id": e.backbone_id,
                    "vectors": e.vectors,
                    "count": e.count,
                    "created": e.created,
                }
                for e in old
            ],
        )
