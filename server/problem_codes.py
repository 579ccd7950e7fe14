"""The stable `code` of every problem answer, which the pages translate (the catalogues'
`error.<code>`, static/i18n/en.json) instead of showing the English `title` and `detail`.

Each status has its general code; a refusal a student or teacher meets in the pages has its own
(raised with `code=`, and `params` for the values its message names)."""

from http import HTTPStatus

BY_STATUS = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_type",
    422: "not_ready",
    429: "too_many",
    500: "server_error",
    503: "unavailable",
}
PRECISE = (
    "token_invalid",
    "classroom_full",
    "nickname_taken",
    "nickname_invisible",
    "no_open_classroom",
    "classroom_expired",
    "share_gone",
    "no_such_link",
    "image_empty",
    "image_too_large",
    "image_too_many_pixels",
    "image_unsupported",
    "image_corrupt",
    "class_name_taken",
    "too_many_classes",
    "too_many_versions",
    "not_a_zip",
    "zip_damaged",
    "zip_no_pictures",
    "zip_too_big",
    "tm_invalid",
    "tm_no_pictures",
    "finetune_already_active",
    "finetune_queue_full",
    "finetune_not_ready",
    "quiz_not_in_classroom",
    "gallery_not_in_classroom",
    "export_failed",
)
CODES = (*sorted(set(BY_STATUS.values())), *PRECISE)


def code_of_status(status: int) -> str:
    """The general code of an HTTP error status (another 4xx: invalid; 5xx: server_error)."""
    if status in BY_STATUS:
        return BY_STATUS[status]
    return "server_error" if status >= HTTPStatus.INTERNAL_SERVER_ERROR else "invalid"
