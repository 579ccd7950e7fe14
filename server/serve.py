"""`flask --app server serve`: the production server (Gunicorn) that `make run` starts.

`flask run` stays the development server. Gunicorn runs WORKERS processes of THREADS threads
each; every worker builds its own app with create_app() after the fork, so no database
connection or job thread is shared between processes. With --tls self-signed (or TLS_CERT and
TLS_KEY) it serves HTTPS, and it prints the addresses students open, with a QR code of the first.
"""

import io
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

import click
import psutil
import segno
from flask import Flask, current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication

from .access_log import access_log_options
from .certificates import self_signed_certificate
from .db import db

ANY_ADDRESS = "0.0.0.0"
# A model's first export keeps its request busy for tens of seconds on a CPU.
WORKER_TIMEOUT_S = 300


class SnapclassServer(BaseApplication):
    """Gunicorn with its settings given here (no gunicorn.conf.py); each worker calls create_app."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from . import create_app

        return create_app()


def gunicorn_options(config: dict, host: str, port: int, tls: tuple[Path, Path] | None) -> dict:
    """Gunicorn's settings for the app's config: threaded workers, sized by the settings table."""
    options = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": config["WORKERS"],
        "worker_class": "gthread",
        "threads": config["THREADS"],
        # A worker takes a connection only when one of its threads is free, and answers one
        # request per connection: each request then goes to a free worker. With keep-alive a
        # connection stays with the worker that accepted it, and under a class's load its
        # requests queued behind that worker's busy threads (seconds) while others sat idle.
        "worker_connections": config["THREADS"],
        "keepalive": 0,
        "timeout": WORKER_TIMEOUT_S,
        "graceful_timeout": 30,
        # No query strings, share tokens or (unless LOG_CLIENT_ADDRESSES) client addresses.
        **access_log_options(config.get("LOG_CLIENT_ADDRESSES", False)),
        "errorlog": "-",
        # Gunicorn's control socket lives in the home folder: one per user, not per server.
        "control_socket_disable": True,
    }
    if tls:
        options["certfile"], options["keyfile"] = str(tls[0]), str(tls[1])
    return options


def student_addresses(host: str) -> list[str]:
    """The IPv4 addresses other computers can use to reach a server bound to `host`."""
    if host != ANY_ADDRESS:
        try:
            return [] if ipaddress.ip_address(host).is_loopback else [host]
        except ValueError:  # a host name
            return [] if host == "localhost" else [host]
    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family.name != "AF_INET":
                continue
            ip = ipaddress.ip_address(address.address)
            if not (ip.is_loopback or ip.is_link_local):
                found.append(address.address)
    return sorted(set(found), key=ipaddress.ip_address)


def tls_files(config: dict, tls: str, addresses: list[str]) -> tuple[Path, Path] | None:
    """The certificate and key to serve with: the configured pair, a self-signed one, or none."""
    if config["TLS_CERT"] or config["TLS_KEY"]:
        if not (config["TLS_CERT"] and config["TLS_KEY"]):
            raise click.UsageError("Set both SNAPCLASS_TLS_CERT and SNAPCLASS_TLS_KEY.")
        return Path(config["TLS_CERT"]), Path(config["TLS_KEY"])
    if tls == "self-signed":
        return self_signed_certificate(Path(config["DATA_DIR"]) / "tls", addresses)
    return None


def announce(host: str, port: int, addresses: list[str], https: bool, self_signed: bool) -> str:
    """What the teacher reads at start-up: where to point students' browsers."""
    scheme = "https" if https else "http"
    lines = [f"Snapclass is serving on {scheme}://{host}:{port}/"]
    if not addresses:
        lines.append(
            "Only this computer can open it. For a classroom: make run HOST=0.0.0.0 TLS=self-signed"
        )
        return "\n".join(lines) + "\n"
    urls = [f"{scheme}://{address}:{port}/" for address in addresses]
    lines.append("Students open:")
    lines += [f"    {url}" for url in urls]
    if not https:
        lines.append(
            "Without HTTPS, browsers keep the camera off on other computers: add TLS=self-signed."
        )
    elif self_signed:
        lines.append(
            "The certificate is self-signed: each browser warns once; "
            "choose Advanced, then Proceed."
        )
    text = "\n".join(lines) + "\n"
    qr = segno.make(urls[0], error="m")
    return text + f"Scan to open {urls[0]}:\n" + qr_text(qr)


def qr_text(qr: segno.QRCode) -> str:
    out = io.StringIO()
    qr.terminal(out=out, compact=True)
    return out.getvalue()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--tls",
    type=click.Choice(["none", "self-signed"]),
    default="none",
    show_default=True,
    help="self-signed: HTTPS with a certificate made once in <DATA_DIR>/tls/.",
)
@with_appcontext
def serve_command(host: str, port: int, tls: str) -> None:
    """Serve the app with Gunicorn (production); `flask run` is for development."""
    config = current_app.config
    addresses = student_addresses(host)
    certificate = tls_files(config, tls, addresses)
    # Every worker signs picture URLs with the same key: the one the settings give (kept in the
    # data folder unless set) is handed to them all.
    os.environ.setdefault("SNAPCLASS_SECRET_KEY", config["SECRET_KEY"])
    https, self_signed = certificate is not None, certificate is not None and not config["TLS_CERT"]
    click.echo(announce(host, port, addresses, https, self_signed))
    sys.stdout.flush()
    # The workers open their own connections after the fork; this process keeps none.
    db.engine.dispose()
    SnapclassServer(gunicorn_options(config, host, port, certificate)).run()


def register_serve_command(app: Flask) -> None:
    app.cli.add_command(serve_command)
