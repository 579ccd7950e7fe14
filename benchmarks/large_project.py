"""Generated projects of many pictures, written straight into the app's database and blob store.

Going through the upload route would spend minutes on image checks for 5,000 pictures; the
studio only reads what the rows say, so rows and blobs written here are what it would see. Each
picture is a small PNG of its own (distinct bytes, so a distinct sha256: the page keys embeddings
by it). With `embeddings`, each picture also gets a stored embedding pair of the served backbone's
size: the class's direction plus noise, so a head can learn the classes from them.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
from flask import Flask
from PIL import Image
from sqlalchemy import select

from server.backbone_files import load_backbone
from server.db import db
from server.models import Embedding, Project, ProjectClass, Sample
from server.storage import blob_store

PICTURE_SIZE = 48


@dataclass
class LargeProject:
    id: str
    owner_token: str
    pictures: int
    classes: int

    def studio_url(self, base_url: str) -> str:
        return f"{base_url}/p/{self.id}#owner={self.owner_token}"


def picture(index: int, label: int) -> bytes:
    """A PNG whose colour says its class and whose corner pixels spell out its index."""
    rng = np.random.default_rng(index)
    hue = np.array([(label * 97) % 256, (label * 53 + 80) % 256, (label * 29 + 160) % 256])
    pixels = np.clip(hue + rng.normal(0, 20, (PICTURE_SIZE, PICTURE_SIZE, 3)), 0, 255)
    pixels = pixels.astype(np.uint8)
    pixels[0, :4] = np.frombuffer(index.to_bytes(12, "little"), dtype=np.uint8).reshape(4, 3)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def make_project(
    app: Flask, pictures: int, classes: int = 10, embeddings: bool = True, seed: int = 0
) -> LargeProject:
    """A project of `classes` classes sharing `pictures` pictures round-robin."""
    client = app.test_client()
    names = [f"Class {n + 1}" for n in range(classes)]
    created = client.post("/api/projects", json={"title": f"{pictures} pictures", "classes": names})
    assert created.status_code == 201, created.json
    body = created.json
    rng = np.random.default_rng(seed)
    with app.app_context():
        backbone_id = client.get("/api/backbones").json["default"]
        dim = load_backbone(backbone_id)["embedding_size"]
        project = db.session.scalar(select(Project).where(Project.public_id == body["id"]))
        class_ids = list(
            db.session.scalars(
                select(ProjectClass.id)
                .where(ProjectClass.project_id == project.id)
                .order_by(ProjectClass.position)
            )
        )
        directions = rng.normal(0, 1, (classes, dim)).astype(np.float32)
        store = blob_store()
        for index in range(pictures):
            label = index % classes
            data = picture(index, label)
            sha256 = hashlib.sha256(data).hexdigest()
            # Throwaway data: written without the store's fsync, which would take most of the time.
            path = store.path(sha256)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            sample = Sample(
                project_id=project.id,
                class_id=class_ids[label],
                sha256=sha256,
                width=PICTURE_SIZE,
                height=PICTURE_SIZE,
                mime_type="image/png",
                source="upload",
            )
            db.session.add(sample)
            if embeddings:
                noise = rng.normal(0, 1.5, (2, dim)).astype(np.float32)
                pair = np.abs(directions[label] + noise).astype(
                    "<f4"
                )  # ReLU-like, as MobileNetV2's
                sample.embeddings.append(
                    Embedding(backbone_id=backbone_id, vectors=pair.tobytes(), count=2)
                )
        db.session.commit()
    return LargeProject(body["id"], body["owner_token"], pictures, classes)
