"""Snapclass server: `create_app` builds the Flask app (flaskr-style application factory)."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, backbone_files, cleanup, problems, ratelimits
from .access_log import register_redacted_error_log
from .assets import register_assets
from .blocks_editor import register_blocks_editor
from .config import load_config
from .db import init_db
from .finetune import runner as finetune_runner
from .headers import register_security_headers
from .pages import register_pages
from .picture_cleaning import register_clean_pictures_command
from .request_limits import register_request_limits
from .serve import register_serve_command
from .service_worker import register_service_worker
from .share_pages import register_share_pages

REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config (see server/config.py), database, JSON API, pages and assets."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    load_config(app, test_config)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    init_db(app)
    ratelimits.init_app(app)
    register_security_headers(app)
    register_redacted_error_log(app)
    register_request_limits(app)
    problems.register_error_handlers(app)
    api.register_api(app)
    finetune_runner.init_app(app)
    cleanup.init_app(app)
    backbone_files.register_backbone_files(app)
    register_pages(app)
    register_share_pages(app)
    register_assets(app)
    register_blocks_editor(app)
    register_service_worker(app)
    register_serve_command(app)
    register_clean_pictures_command(app)
    return app
