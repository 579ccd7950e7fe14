"""Cursor paging over a project's samples, oldest first, shared by the sample and embedding lists.

A cursor names the last sample of a page by its place in the order (created, public id), so the
next page starts right after it even when pictures were added or deleted meanwhile: an offset
would skip a picture for each one deleted before it. Cursors are opaque to clients (URL-safe
base64) and hold nothing that is not in a sample's JSON already.
"""

import base64
import binascii
import re
from datetime import datetime

from flask import request
from sqlalchemy import Select, and_, or_

from ..errors import FieldInvalid
from ..models import Sample
from .common import int_field

PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
ORDER = (Sample.created, Sample.public_id)


def encode_cursor(sample_created: datetime, sample_id: str) -> str:
    """The cursor that continues after this sample."""
    text = f"{sample_created.isoformat()} {sample_id}"
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, field: str = "after") -> tuple[datetime, str]:
    """(created, public id) of the sample a cursor names; 400 when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, sample_id = base64.urlsafe_b64decode(padded).decode().split(" ")
        moment = datetime.fromisoformat(created)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise FieldInvalid(
            field, "is not a cursor this API gave out; start again without it"
        ) from None
    if moment.tzinfo is not None or not PUBLIC_ID.fullmatch(sample_id):
        raise FieldInvalid(field, "is not a cursor this API gave out; start again without it")
    return moment, sample_id


def after_cursor(query: Select, cursor: str | None) -> Select:
    """The query ordered oldest first, starting after the cursor's sample (if any)."""
    if cursor is not None:
        created, sample_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Sample.created > created,
                and_(Sample.created == created, Sample.public_id > sample_id),
            )
        )
    return query.order_by(*ORDER)


def size_arg(name: str, default: int, most: int) -> int:
    """A page size from the query string: 1..most, `default` when absent."""
    size = int_field(request.args.get(name, str(default)), name)
    if not 1 <= size <= most:
        raise FieldInvalid(name, f"must be from 1 to {most}")
    return size


def cursor_arg() -> str | None:
    """The `after` cursor from the query string (None on the first page)."""
    cursor = request.args.get("after")
    if cursor == "":
        raise FieldInvalid("after", "leave it out for the first page")
    return cursor
