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
    settings: dict[str, str] | None = None,
    upgrade: bool = True,
) -> Iterator[int]:
    """`flask db upgrade` (unless told not to), then `flask serve OPTIONS` (Gunicorn) on a free
    port; yields it. `settings` are more SNAPCLASS_* variables, named without the prefix."""
    env = {
        **os.environ,
        "SNAPCLASS_DATA_DIR": str(data_dir),
        "SNAPCLASS_BACKBONE_DIR": str(data_dir / "backbones"),
        "SNAPCLASS_WORKERS": str(workers),
        "SNAPCLASS_THREADS": "4",
        **{f"SNAPCLASS_{name}": value for name, value in (settings or {}).items()},
    }
    flask = [sys.executable, "-m", "flask", "--app", "server"]
    if upgrade:
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    log = data_dir / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*flask, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("Booting worker") < workers:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


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
