"""Rate limits counted once for all the server's processes, whichever one answers: Gunicorn's
workers share a file of the data folder (the default), several servers share Redis.

These tests start real servers (`flask --app server serve`) and send real HTTP requests, one
connection each: Gunicorn hands each connection to whichever worker takes it first.
"""

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis

from server.ratelimits import RATE_LIMIT_FILE

from .test_finetune_jobs import redis_url  # noqa: F401  (a fixture: a Redis server of our own)
from .test_serve import gunicorn

WRONG = {"Authorization": "Bearer not-a-token-of-anything"}


def call(port: int, method: str, path: str, body=None, headers=None, address=None):
    """(status, JSON body) of one request on its own connection; `address` is the client's as
    a proxy would tell it (the servers here trust one proxy: PROXY_COUNT=1)."""
    headers = {**(headers or {}), **({"X-Forwarded-For": address} if address else {})}
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return response.status, (json.loads(data) if data else None)


def statuses(port: int, count: int, request) -> list[int]:
    """Send `count` requests at once from 8 threads; their statuses, sorted."""
    with ThreadPoolExecutor(8) as pool:
        return sorted(pool.map(lambda number: request(port, number)[0], range(count)))


def test_the_documented_limits_hold_whichever_gunicorn_worker_answers(tmp_path: Path):
    """`make run`'s server (3 workers, SQLite) with the default limits: 30 wrong tokens a minute
    and 120 wrong join codes in 10 minutes per address."""
    with gunicorn(tmp_path, workers=3, settings={"PROXY_COUNT": "1"}) as port:
        status, project = call(port, "POST", "/api/projects", {"title": "Fruit"})
        assert status == 201
        owner = {"Authorization": f"Bearer {project['owner_token']}"}
        url = f"/api/projects/{project['id']}"

        def wrong_token(port, _):
            return call(port, "GET", url, headers=WRONG, address="10.0.0.1")

        answers = statuses(port, 45, wrong_token)
        assert answers == [401] * 30 + [429] * 15
        # A valid token from the same address is answered as ever.
        assert call(port, "GET", url, headers=owner, address="10.0.0.1")[0] == 200

        status, classroom = call(port, "POST", "/api/classrooms", {"name": "7B"})
        code = classroom["join_code"]

        def join(port, number, typed=code, address="10.0.0.2"):
            body = {"code": typed, "nickname": f"Student {number}"}
            return call(port, "POST", "/api/classrooms/join", body, address=address)

        # 30 students behind one router, each typing one wrong code and then the right one.
        typo = code[:-1] + ("A" if code[-1] != "A" else "B")
        with ThreadPoolExecutor(8) as pool:
            firsts = list(pool.map(lambda n: join(port, n, typo)[0], range(30)))
            seconds = list(pool.map(lambda n: join(port, n)[0], range(30)))
        assert firsts == [404] * 30 and seconds == [201] * 30

        def guess(port, number):
            return join(port, number, f"WRONG{number:03d}", "10.0.0.3")

        assert statuses(port, 130, guess) == [404] * 120 + [429] * 10
        # Past the limit, even the right code is refused from that address (README).
        assert join(port, 99, code, "10.0.0.3")[0] == 429
        assert join(port, 99, code, "10.0.0.4")[0] == 201
    assert (tmp_path / RATE_LIMIT_FILE).exists()


def test_two_servers_on_one_database_and_one_redis_share_one_limit(
    tmp_path: Path,
    postgres_cluster,
    redis_url,  # noqa: F811
):
    """Two `flask serve` on two ports, one PostgreSQL, one data folder (blobs), one Redis."""
    settings = {
        "DATABASE_URL": postgres_cluster.create_database(),
        "RATE_LIMIT_STORAGE_URL": redis_url,
        "RATE_LIMIT_FAILED_CREDENTIALS": "6/minute",
    }
    with (
        gunicorn(tmp_path, workers=1, settings=settings) as first,
        gunicorn(tmp_path, workers=1, settings=settings, upgrade=False) as second,
    ):
        status, project = call(first, "POST", "/api/projects", {"title": "Fruit"})
        assert status == 201
        url = f"/api/projects/{project['id']}"
        for port in (first, second, first, second, first, second):
            assert call(port, "GET", url, headers=WRONG)[0] == 401
        # The seventh wrong token is refused by either server: they count together.
        for port in (first, second):
            status, body = call(port, "GET", url, headers=WRONG)
            assert status == 429 and "Too many" in body["detail"]
        owner = {"Authorization": f"Bearer {project['owner_token']}"}
        assert call(second, "GET", url, headers=owner)[0] == 200
    # The counts were in Redis, not in the data folder's file.
    assert any(b"failed_credentials" in key for key in redis.Redis.from_url(redis_url).keys())
    assert not (tmp_path / RATE_LIMIT_FILE).exists()


def test_the_counts_keep_no_client_address(make_app):
    app = make_app(RATE_LIMIT_FAILED_CREDENTIALS="5/minute")
    client = app.test_client()
    for address in ("203.0.113.77", "2001:db8:77::1"):
        response = client.get("/api/student", headers=WRONG, environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 401
    files = Path(app.config["DATA_DIR"]).glob(f"{RATE_LIMIT_FILE}*")  # with its -wal
    stored = b"".join(path.read_bytes() for path in files)
    assert stored.count(b"failed_credentials") >= 2  # the two hits are there
    assert b"203.0.113" not in stored and b"2001:db8" not in stored
