"""The JSON API: one blueprint per resource, all under /api."""

from flask import Flask

from . import (
    archives,
    backbones,
    class_overview,
    class_projects,
    classes,
    classrooms,
    embeddings,
    jobs,
    model_files,
    openapi,
    pairings,
    projects,
    qr,
    samples,
    shares,
    versions,
)

BLUEPRINTS = (projects.bp, classes.bp, samples.bp, embeddings.bp, backbones.bp, openapi.bp)
# Models, share links and project zips.
BLUEPRINTS += (versions.bp, shares.bp, archives.bp)
# Fine-tuning jobs and fine-tuned models' files.
BLUEPRINTS += (jobs.bp, model_files.bp)
# Classrooms, their students and phone pairings.
BLUEPRINTS += (classrooms.bp, class_overview.bp, pairings.bp, qr.bp)
# Class projects: one project the whole class fills.
BLUEPRINTS += (class_projects.bp,)


def register_api(app: Flask) -> None:
    """Add every API blueprint to the app."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
