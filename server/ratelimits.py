"""Limits a stranger cannot run past, counted with Flask-Limiter's storage.

Each limit is a setting holding a rate such as "200/hour" ("20/minute;200/hour" for several).
Counts live in Flask-Limiter's storage: memory by default (one process), Redis when
RATE_LIMIT_STORAGE_URL names one, so several server processes share their counts. Limits are
per client address unless a key is given (a project's fine-tuning jobs are counted per project).
Behind a reverse proxy, set PROXY_COUNT so the address is the student's, not the proxy's.
"""

import math
import time

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from .errors import TooMany

# name -> (setting, what the client is told)
LIMITS = {
    "create": ("RATE_LIMIT_CREATE", "Too many new projects from this address"),
    "failed_credentials": (
        "RATE_LIMIT_FAILED_CREDENTIALS",
        "Too many wrong tokens or links from this address",
    ),
    "finetune": ("RATE_LIMIT_FINETUNE", "Too many fine-tuning jobs for this project"),
    "join": ("RATE_LIMIT_JOIN", "Too many wrong or closed join codes from this address"),
    "join_code": ("RATE_LIMIT_JOIN_CODE", "Too many joins with this code at once"),
}


def init_app(app: Flask) -> None:
    """Give the app its own limiter (its own counts), with storage from the settings."""
    storage = app.config["RATE_LIMIT_STORAGE_URL"] or "memory://"
    limiter = Limiter(get_remote_address, storage_uri=storage, strategy="moving-window")
    limiter.init_app(app)
    app.extensions["snapclass_limiter"] = limiter


def _items(name: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[LIMITS[name][0]])


def _identifiers(name: str, key: str | None) -> tuple[str, str]:
    return (name, key if key is not None else get_remote_address())


def hit(name: str, key: str | None = None) -> bool:
    """Count one event against limit `name`; False when that went over the limit."""
    limiter = current_app.extensions["snapclass_limiter"].limiter
    return all([limiter.hit(item, *_identifiers(name, key)) for item in _items(name)])


def refuse_if_exhausted(name: str, key: str | None = None) -> None:
    """TooMany (429, Retry-After) when limit `name` is used up, without counting this one."""
    limiter = current_app.extensions["snapclass_limiter"].limiter
    for item in _items(name):
        identifiers = _identifiers(name, key)
        if not limiter.test(item, *identifiers):
            reset = limiter.get_window_stats(item, *identifiers).reset_time
            wait = max(1, math.ceil(reset - time.time()))
            message = LIMITS[name][1]
            raise TooMany(f"{message}; try again in {wait} seconds.", {"Retry-After": str(wait)})


def spend(name: str, key: str | None = None) -> None:
    """Count this request against limit `name`, or refuse it (429) when the limit is used up."""
    refuse_if_exhausted(name, key)
    hit(name, key)
