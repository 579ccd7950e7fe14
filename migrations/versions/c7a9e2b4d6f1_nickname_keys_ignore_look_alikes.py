"""Nickname keys ignore look-alike characters: every student's key is recomputed.

A student's nickname is kept as it is; only the key that two nicknames of a classroom are
compared by changes, from the case-folded nickname to server/nicknames.py's key (case and
Unicode look-alikes ignored). Two students of one classroom whose nicknames only looked alike
both stay: the later one's key gets its row id appended, so neither is renamed.

Revision ID: c7a9e2b4d6f1
Revises: 9e4a6c2d1f38
Create Date: 2026-12-06 17:00:00
"""

import sqlalchemy as sa
from alembic import op

from server.nicknames import KEY_MAX, key

revision = "c7a9e2b4d6f1"
down_revision = "9e4a6c2d1f38"
branch_labels = None
depends_on = None


def _rekey(compute) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, classroom_id, nickname FROM student ORDER BY id"))
    taken: set[tuple[int, str]] = set()
    keys = []
    for student_id, classroom_id, nickname in rows.fetchall():
        new = compute(nickname)
        if (classroom_id, new) in taken:
            suffix = f"#{student_id}"
            new = new[: KEY_MAX - len(suffix)] + suffix
        taken.add((classroom_id, new))
        keys.append({"id": student_id, "key": new})
    # Keys move to their new values in two steps, so that no update meets another row's old key.
    for row in keys:
        bind.execute(
            sa.text("UPDATE student SET nickname_key = :key WHERE id = :id"),
            {"id": row["id"], "key": f"~{row['id']}"},
        )
    for row in keys:
        bind.execute(sa.text("UPDATE student SET nickname_key = :key WHERE id = :id"), row)


def upgrade():
    _rekey(key)


def downgrade():
    _rekey(str.casefold)
