"""Limits a stranger cannot run past, counted with Flask-Limiter's storage.

Each limit is a setting holding a rate such as "200/hour" ("20/minute;200/hour" for several),
counted in a moving window. Counts live where RATE_LIMIT_STORAGE_URL says: by default in a file
of the data folder that every server process on the computer shares (server/ratelimit_file.py),
so Gunicorn's workers count together; a Redis or memcached URL for several servers on several
computers; "memory://" for one process alone. Limits are per client address unless a key is
given (a project's fine-tuning jobs are counted per project; wrong join codes also for the whole
server). An IPv6 client is counted by its /64 network, and an address is known to the counts
only as a keyed hash. Behind a reverse proxy, set PROXY_COUNT so the address is the student's,
not the proxy's.

Only failures are counted where a credential is checked (a wrong token, link, signature or join
code): a valid token, link or picture URL is never refused because its address failed before.
"""

import hashlib
import hmac
import ipaddress
import math
import time
from pathlib import Path

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from .errors import TooMany
from .ratelimit_file import file_url

# name -> (setting, what the client is told)
LIMITS = {
    "create": ("RATE_LIMIT_CREATE", "Too many new projects from this address"),
    "failed_credentials": (
        "RATE_LIMIT_FAILED_CREDENTIALS",
        "Too many wrong tokens or links from this address",
    ),
    "finetune": ("RATE_LIMIT_FINETUNE", "Too many fine-tuning jobs for this project"),
    "join": ("RATE_LIMIT_JOIN", "Too many wrong or closed join codes from this address"),
    "join_everywhere": (
        "RATE_LIMIT_JOIN_SERVER",
        "Too many wrong join codes on this server (someone may be guessing codes)",
    ),
    "join_code": ("RATE_LIMIT_JOIN_CODE", "Too many joins with this code at once"),
}
# The key of limits counted for the whole server, from every address together.
EVERYONE = "everyone"
RATE_LIMIT_FILE = "ratelimits.sqlite3"


def storage_url(config) -> str:
    """The setting's storage, or the file of the data folder the server's processes share."""
    return config["RATE_LIMIT_STORAGE_URL"] or file_url(Path(config["DATA_DIR"]) / RATE_LIMIT_FILE)


def init_app(app: Flask) -> None:
    """Give the app its own limiter, with storage from the settings."""
    limiter = Limiter(client_key, storage_uri=storage_url(app.config), strategy="moving-window")
    limiter.init_app(app)
    app.extensions["snapclass_limiter"] = limiter


def client_key() -> str:
    """The client's address (an IPv6 one as its /64 network) as the counts know it: an HMAC of
    it with the server's secret key, so no address is written to the counts' file or Redis."""
    network = client_network(get_remote_address())
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"client:{network}".encode(), hashlib.sha256).hexdigest()[:32]


def client_network(address: str) -> str:
    """An IPv4 address as it is; an IPv6 one as its /64 network, which one household or phone
    is given whole."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _items(name: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[LIMITS[name][0]])


def _identifiers(name: str, key: str | None) -> tuple[str, str]:
    return (name, key if key is not None else client_key())


def _limiter():
    return current_app.extensions["snapclass_limiter"].limiter


def _too_many(name: str, item: RateLimitItem, identifiers: tuple[str, str]) -> TooMany:
    reset = _limiter().get_window_stats(item, *identifiers).reset_time
    wait = max(1, math.ceil(reset - time.time()))
    message = LIMITS[name][1]
    return TooMany(f"{message}; try again in {wait} seconds.", {"Retry-After": str(wait)})


def refuse_if_exhausted(name: str, key: str | None = None) -> None:
    """TooMany (429, Retry-After) when limit `name` is used up, without counting this one."""
    identifiers = _identifiers(name, key)
    for item in _items(name):
        if not _limiter().test(item, *identifiers):
            raise _too_many(name, item, identifiers)


def spend(name: str, key: str | None = None) -> None:
    """Count this request against limit `name`, or refuse it (429) when the limit is used up.

    Counting and checking are one step of the storage (atomic across processes), so however
    many processes answer, no more than the limit get through. A limit already used up is
    refused on a read, without that step's write."""
    refuse_if_exhausted(name, key)
    identifiers = _identifiers(name, key)
    for item in _items(name):
        if not _limiter().hit(item, *identifiers):
            raise _too_many(name, item, identifiers)
