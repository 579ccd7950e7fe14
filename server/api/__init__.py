"""The JSON API: one blueprint per resource, all under /api."""

from flask import Flask

from . import backbones, classes, embeddings, openapi, projects, samples

BLUEPRINTS = (projects.bp, classes.bp, samples.bp, embeddings.bp, backbones.bp, openapi.bp)


def register_api(app: Flask) -> None:
    """Add every API blueprint to the app."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
