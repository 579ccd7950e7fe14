"""A self-signed TLS certificate for a classroom server, made once and kept in the data folder.

Browsers give the camera only to secure contexts: https:// pages, or http://localhost. Students
reach the teacher's computer by its network address, so without HTTPS their webcam stays off.
A self-signed certificate makes the page secure once each student accepts the browser's warning;
a school server with a real certificate puts a reverse proxy in front instead (see README).
"""

import datetime
import ipaddress
import os
import socket
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERT_NAME = "self-signed-cert.pem"
KEY_NAME = "self-signed-key.pem"
# Long enough for a school year and more; browsers warn about a self-signed one either way.
VALID_DAYS = 825


def self_signed_certificate(folder: Path, addresses: list[str]) -> tuple[Path, Path]:
    """The (certificate, key) files in `folder`, made on the first call and reused after.

    `addresses` (the IPs or names students open) go into the certificate's names with
    localhost and this computer's host name, so the browser's warning is only about who
    signed it.
    """
    cert_path, key_path = folder / CERT_NAME, folder / KEY_NAME
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    hostname = socket.gethostname()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Snapclass on {hostname}")])
    ips, dns_names = {"127.0.0.1"}, {"localhost", hostname}
    for address in addresses:
        (ips if _is_ip(address) else dns_names).add(address)
    ips, dns_names = sorted(ips, key=ipaddress.ip_address), sorted(dns_names)
    alt_names = [x509.DNSName(n) for n in dns_names] + [
        x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips
    ]
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    # The key is written readable by its owner only, before the certificate that marks it done.
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as key_file:
        key_file.write(key_bytes)
    fd = os.open(cert_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as cert_file:
        cert_file.write(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _is_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
