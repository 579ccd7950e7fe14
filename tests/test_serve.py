"""The production server: Gunicorn serving HTTPS, its self-signed certificate, what it prints."""

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509

from server.certificates import self_signed_certificate
from server.serve import announce, gunicorn_options, student_addresses

from .processes import stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_self_signed_certificate_is_made_once_and_reused(tmp_path):
    cert, key = self_signed_certificate(tmp_path / "tls", ["192.168.1.20", "class.lan"])
    first = cert.read_bytes(), key.read_bytes()
    assert key.stat().st_mode & 0o077 == 0, "the private key must be readable by its owner only"
    again = self_signed_certificate(tmp_path / "tls", ["10.0.0.5"])
    assert again == (cert, key)
    assert (cert.read_bytes(), key.read_bytes()) == first
    names = (
        x509.load_pem_x509_certificate(first[0])
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    ips = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    assert ips == {"127.0.0.1", "192.168.1.20"}
    assert {"localhost", "class.lan"} <= set(names.get_values_for_type(x509.DNSName))


def test_students_are_given_every_non_loopback_address_only_when_listening_on_all():
    assert student_addresses("127.0.0.1") == []
    assert student_addresses("192.168.4.7") == ["192.168.4.7"]
    assert student_addresses("localhost") == []
    assert student_addresses("snapclass.school.lan") == ["snapclass.school.lan"]
    everywhere = student_addresses("0.0.0.0")
    assert all(not address.startswith("127.") for address in everywhere)


def test_start_up_text_lists_the_addresses_and_a_qr_code_of_the_first():
    text = announce("0.0.0.0", 8443, ["10.1.2.3", "192.168.0.9"], https=True, self_signed=True)
    assert "https://10.1.2.3:8443/" in text and "https://192.168.0.9:8443/" in text
    assert "self-signed" in text
    qr_lines = [line for line in text.splitlines() if "█" in line]
    assert len(qr_lines) > 10
    alone = announce("127.0.0.1", 5000, [], https=False, self_signed=False)
    assert "Only this computer" in alone and "█" not in alone
    plain = announce("0.0.0.0", 5000, ["10.1.2.3"], https=False, self_signed=False)
    assert "TLS=self-signed" in plain


def test_gunicorn_is_sized_by_the_settings_and_given_the_certificate(tmp_path):
    config = {"WORKERS": 3, "THREADS": 6}
    options = gunicorn_options(config, "0.0.0.0", 5000, (tmp_path / "c.pem", tmp_path / "k.pem"))
    assert options["bind"] == ["0.0.0.0:5000"]
    assert (options["workers"], options["threads"], options["worker_class"]) == (3, 6, "gthread")
    # A worker with no free thread leaves new connections to the others.
    assert (options["worker_connections"], options["keepalive"]) == (6, 0)
    assert options["certfile"].endswith("c.pem") and options["keyfile"].endswith("k.pem")
    assert "certfile" not in gunicorn_options(config, "127.0.0.1", 5000, None)


@contextmanager
def gunicorn(
    data_dir: Path,
    *options: str,
    workers: int = 2,
    env: dict[str, str] | None = None,
    umask: int = -1,
    log: Path | None = None,
    settings: dict[str, str] | None = None,
    upgrade: bool = True,
) -> Iterator[int]:
    """`flask db upgrade` (unless told not to), then `flask serve OPTIONS` (Gunicorn) on a free
    port; yields it. Both start with `umask` (-1: the test's own); their output goes to `log`
    (default: server-<port>.log in the data folder). `settings` are more SNAPCLASS_* variables,
    named without the prefix."""
    env = {
        **os.environ,
        **(env or {}),
        "SNAPCLASS_DATA_DIR": str(data_dir),
        "SNAPCLASS_BACKBONE_DIR": str(data_dir / "backbones"),
        "SNAPCLASS_WORKERS": str(workers),
        "SNAPCLASS_THREADS": "4",
        **{f"SNAPCLASS_{name}": value for name, value in (settings or {}).items()},
    }
    flask = [sys.executable, "-m", "flask", "--app", "server"]
    if upgrade:
        subprocess.run(
            [*flask, "db", "upgrade"], env=env, check=True, capture_output=True, umask=umask
        )
    port = free_port()
    log = log or data_dir / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*flask, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            umask=umask,
        )
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("Booting worker") < workers:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield port
    finally:
        stop(process)


@pytest.fixture
def served_https(tmp_path: Path):
    with gunicorn(tmp_path, "--tls", "self-signed") as port:
        cert = tmp_path / "tls" / "self-signed-cert.pem"
        yield port, ssl.create_default_context(cafile=str(cert)), tmp_path / f"server-{port}.log"


def test_gunicorn_serves_the_app_over_https_with_its_self_signed_certificate(served_https):
    port, context, log = served_https
    # The certificate verifies against itself for 127.0.0.1: only its signer is unknown to browsers.
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    connection.request(
        "POST",
        "/api/projects",
        body=json.dumps({"title": "Over TLS"}),
        headers={"Content-Type": "application/json"},
    )
    response = connection.getresponse()
    assert response.status == 201, response.read()
    assert response.getheader("Server").startswith("gunicorn")
    # Never HSTS with a self-signed certificate: one made anew would lock the students out.
    assert response.getheader("Strict-Transport-Security") is None
    project = json.loads(response.read())
    owner = {"Authorization": f"Bearer {project['owner_token']}"}
    connection.request("GET", f"/api/projects/{project['id']}", headers=owner)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200 and json.loads(body)["title"] == "Over TLS"
    with pytest.raises(ssl.SSLError):
        plain = ssl.create_default_context()  # the system's CAs: a browser's first visit
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            plain.wrap_socket(sock, server_hostname="127.0.0.1")
    assert "Booting worker" in log.read_text()


def test_gunicorn_sends_hsts_with_a_certificate_the_school_supplied(tmp_path):
    cert, key = self_signed_certificate(tmp_path / "school", ["127.0.0.1"])
    env = {"SNAPCLASS_TLS_CERT": str(cert), "SNAPCLASS_TLS_KEY": str(key)}
    with gunicorn(tmp_path, workers=1, env=env) as port:
        context = ssl.create_default_context(cafile=str(cert))
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
        connection.request("GET", "/api/backbones")
        response = connection.getresponse()
        response.read()
        connection.close()
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"


SECRET = "sEcReTtOkEn0123456789"
TOKEN_URLS = [
    ("GET", f"/s/{SECRET}"),
    ("GET", f"/s/{SECRET}/model.json"),
    ("GET", f"/api/models/x?share={SECRET}"),
    ("DELETE", f"/api/shares/{SECRET}"),
    ("GET", f"/api/samples/x/image?expires=1&sig={SECRET}"),
]


def access_lines(port: int, log: Path) -> list[str]:
    """Send TOKEN_URLS over HTTP; the access log's lines for them, once all are written."""
    for method, url in TOKEN_URLS:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(method, url)
        connection.getresponse().read()
        connection.close()
    deadline = time.monotonic() + 30
    while True:
        lines = [
            line for line in log.read_text().splitlines() if '"GET /' in line or '"DELETE' in line
        ]
        if len(lines) >= len(TOKEN_URLS) or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_the_access_log_keeps_no_tokens_and_no_addresses(tmp_path):
    with gunicorn(tmp_path, workers=1) as port:
        lines = access_lines(port, tmp_path / f"server-{port}.log")
    assert len(lines) == len(TOKEN_URLS), lines
    text = "\n".join(lines)
    assert SECRET not in text and "127.0.0.1" not in text
    assert '"GET /s/<token>" 404' in text and '"GET /s/<token>/model.json" 404' in text


def test_the_access_log_keeps_addresses_when_the_setting_says_so(tmp_path):
    env = {"SNAPCLASS_LOG_CLIENT_ADDRESSES": "1"}
    with gunicorn(tmp_path, workers=1, env=env) as port:
        lines = access_lines(port, tmp_path / f"server-{port}.log")
    assert lines and all(line.startswith("127.0.0.1 ") for line in lines), lines
    assert SECRET not in "\n".join(lines)


def test_hsts_only_over_https_and_only_with_the_schools_certificate(make_app):
    supplied = make_app(TLS_CERT="/etc/school/cert.pem", TLS_KEY="/etc/school/key.pem")
    https = supplied.test_client().get("/api/backbones", base_url="https://class.school.lan")
    assert https.headers["Strict-Transport-Security"] == "max-age=31536000"
    http = supplied.test_client().get("/api/backbones", base_url="http://class.school.lan")
    assert "Strict-Transport-Security" not in http.headers
    self_signed = make_app().test_client().get("/api/backbones", base_url="https://10.0.0.2")
    assert "Strict-Transport-Security" not in self_signed.headers


def multipart_picture(data: bytes) -> tuple[bytes, str]:
    boundary = "snapclass-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_data_folder_made_under_umask_022_is_readable_by_its_user_only(tmp_path, image):
    """What `make run TLS=self-signed` leaves: the folder 0700, every file 0600 (database,
    secret key, certificate and key, pictures), every folder in it 0700."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)  # as a teacher's shell would make it
    log = tmp_path / "server.log"
    with gunicorn(data_dir, "--tls", "self-signed", workers=1, umask=0o022, log=log) as port:
        context = ssl.create_default_context(cafile=str(data_dir / "tls" / "self-signed-cert.pem"))
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
        connection.request("POST", "/api/projects", body='{"title": "T"}',
                           headers={"Content-Type": "application/json"})  # fmt: skip
        project = json.loads(connection.getresponse().read())
        body, content_type = multipart_picture(image())
        headers = {
            "Authorization": f"Bearer {project['owner_token']}",
            "Content-Type": content_type,
        }
        connection.request(
            "POST", f"/api/projects/{project['id']}/samples", body=body, headers=headers
        )
        response = connection.getresponse()
        assert response.status == 201, response.read()
        connection.close()
    made = list(data_dir.rglob("*"))
    assert any(path.parent.parent.name == "blobs" for path in made)  # the picture is there
    assert any(path.name == "snapclass.sqlite3" for path in made)
    assert data_dir.stat().st_mode & 0o777 == 0o700
    loose = {str(p.relative_to(data_dir)): oct(p.stat().st_mode & 0o777) for p in made
             if p.stat().st_mode & 0o077}  # fmt: skip
    assert not loose


def test_the_error_log_names_no_share_token(make_app, monkeypatch, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)  # as served: the error is logged, not raised
    monkeypatch.setattr("server.share_pages.resolve_link", lambda token: 1 / 0)
    with caplog.at_level("ERROR"):
        response = app.test_client().get(f"/s/{SECRET}")
    assert response.status_code == 500
    assert "Exception on /s/<token> [GET]" in caplog.text and SECRET not in caplog.text


def test_the_server_starts_without_tensorflow():
    """Every `flask serve`, `flask db upgrade` and Gunicorn worker imports the app: TensorFlow
    and Keras (seconds of CPU each time) are loaded only by the parts that run a network."""
    check = (
        "import sys, tempfile; from server import create_app; "
        "create_app({'DATA_DIR': tempfile.mkdtemp()}); "
        "print(sorted({'tensorflow', 'keras'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout
