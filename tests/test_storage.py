"""The blob store: content-addressed files, written whole or not at all."""

import hashlib

import pytest

from server import storage
from server.storage import BlobStore


@pytest.fixture
def store(tmp_path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def all_files(store: BlobStore) -> list[str]:
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())


def test_blob_is_named_by_its_sha256_in_a_two_letter_folder(store):
    digest = store.put(b"hello")
    assert digest == hashlib.sha256(b"hello").hexdigest()
    assert all_files(store) == [f"{digest[:2]}/{digest[2:]}"]
    assert store.read(digest) == b"hello"
    assert store.exists(digest)


def test_same_content_is_stored_once(store):
    assert store.put(b"same") == store.put(b"same")
    assert len(all_files(store)) == 1


def test_delete_removes_the_blob_and_tolerates_missing_ones(store):
    digest = store.put(b"bye")
    store.delete(digest)
    store.delete(digest)
    assert not store.exists(digest)


@pytest.mark.parametrize("name", ["../../etc/passwd", "ab", "A" * 64, "g" * 64, ""])
def test_only_sha256_names_become_paths(store, name):
    with pytest.raises(ValueError):
        store.path(name)


def test_failed_write_leaves_no_temp_file(store, monkeypatch):
    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"data")
    assert all_files(store) == []


def test_interrupted_write_leaves_no_temp_file(store, monkeypatch):
    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(storage.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        store.put(b"data")
    assert all_files(store) == []


def test_unreferenced_blobs_are_deleted_and_referenced_ones_kept(app, api, project, image):
    kept, dropped = image(color=(1, 1, 1)), image(color=(2, 2, 2))
    api.add_samples(project, kept)
    with app.app_context():
        blobs = storage.blob_store()
        dropped_digest = blobs.put(dropped)
        kept_digest = hashlib.sha256(kept).hexdigest()
        assert storage.delete_unreferenced([kept_digest, dropped_digest]) == [dropped_digest]
        assert blobs.exists(kept_digest)
        assert not blobs.exists(dropped_digest)
        assert storage.delete_unreferenced([]) == []


def test_put_many_writes_the_missing_blobs_and_says_which(store):
    old = store.put(b"old")
    blobs = {hashlib.sha256(data).hexdigest(): data for data in (b"old", b"one", b"two")}
    written = []
    store.put_many(blobs, written)
    assert sorted(written) == sorted(set(blobs) - {old})
    assert all(store.read(sha256) == data for sha256, data in blobs.items())
    assert len(all_files(store)) == 3
    store.put_many(blobs, written := [])
    assert written == []


def test_put_many_refuses_bytes_under_another_name(store):
    with pytest.raises(ValueError):
        store.put_many({hashlib.sha256(b"this").hexdigest(): b"that"})
    assert all_files(store) == []


def test_put_many_failing_midway_leaves_no_temp_file_and_names_what_it_wrote(store, monkeypatch):
    renamed = []

    def replace_once_then_fail(src, dst):
        if renamed:
            raise OSError("disk full")
        renamed.append(dst)
        return original(src, dst)

    original = storage.os.replace
    monkeypatch.setattr(storage.os, "replace", replace_once_then_fail)
    blobs = {hashlib.sha256(data).hexdigest(): data for data in (b"a", b"b", b"c")}
    written = []
    with pytest.raises(OSError, match="disk full"):
        store.put_many(blobs, written)
    assert len(written) == 1 and all_files(store) == [f"{written[0][:2]}/{written[0][2:]}"]
