"""Upload retries: a page that lost the server's answer sends the same picture again, and the
project still holds it once. A project holds each picture (by its bytes) once: the same bytes
sent again, for any class, give back the stored sample."""

import io
import threading

import pytest


@pytest.fixture
def project(api, database):
    return api.create_project()


def test_a_picture_retried_after_its_answer_was_lost_is_stored_once(api, project, image, stored):
    picture = image(color=(11, 12, 13))
    apple = project["classes"][0]["id"]
    # The first answer never reached the page: it only knows it must send the picture again.
    assert api.upload(project, picture, class_id=apple, source="webcam").status_code == 201
    (retried,) = api.add_samples(project, picture, class_id=apple, source="webcam")
    listed = api.get(project, f"/api/projects/{project['id']}/samples").json["samples"]
    assert [sample["id"] for sample in listed] == [retried["id"]]
    assert retried["class_id"] == apple
    assert api.project(project)["classes"][0]["sample_count"] == 1
    assert len(stored()["blob_files"]) == 1


def test_a_batch_retried_with_one_new_picture_adds_only_that_one(api, project, image):
    first, second, third = (image(color=(c, c, c)) for c in (21, 22, 23))
    sent = api.add_samples(project, first, second)
    again = api.add_samples(project, first, second, third)
    assert [s["id"] for s in again[:2]] == [s["id"] for s in sent]
    assert again[2]["id"] not in {s["id"] for s in sent}
    assert api.project(project)["sample_count"] == 3


def test_the_same_bytes_added_again_to_another_class_keep_their_one_sample(api, project, image):
    picture = image(color=(31, 32, 33))
    apple, banana = (c["id"] for c in project["classes"])
    (kept,) = api.add_samples(project, picture, class_id=apple)
    (again,) = api.add_samples(project, picture, class_id=banana)
    assert again["id"] == kept["id"] and again["class_id"] == apple
    assert api.project(project)["sample_count"] == 1


def test_concurrent_retries_of_one_picture_store_it_once(app, api, project, image):
    picture = image(color=(41, 42, 43))
    tries = 4
    start = threading.Barrier(tries)
    answers: list = [None] * tries

    def send(slot: int) -> None:
        client = app.test_client()
        start.wait()
        answers[slot] = client.post(
            f"/api/projects/{project['id']}/samples",
            data={"file": [(io.BytesIO(picture), "p.png", "image/png")]},
            headers=api.auth(project),
            content_type="multipart/form-data",
        )

    threads = [threading.Thread(target=send, args=(slot,)) for slot in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each try either has the one sample or, having lost the race twice, is told to try again.
    stored_ids = {a.json["samples"][0]["id"] for a in answers if a.status_code == 201}
    assert len(stored_ids) == 1
    assert all(a.status_code in (201, 409) for a in answers)
    assert api.project(project)["sample_count"] == 1


def test_a_phone_retrying_a_picture_stores_it_once(client, api, project, image):
    banana = project["classes"][1]["id"]
    url = f"/api/projects/{project['id']}/classes/{banana}/pairings"
    pairing = client.post(url, headers=api.auth(project)).json
    phone = {"Authorization": f"Bearer {pairing['url'].split('#pair=')[1]}"}

    def send():
        picture = (io.BytesIO(image(color=(51, 52, 53))), "p.png")
        form = {"file": [picture]}
        return client.post(
            "/api/pairing/samples", headers=phone, data=form, content_type="multipart/form-data"
        )

    first, retried = send(), send()
    assert first.status_code == retried.status_code == 201
    assert first.json["samples"][0]["id"] == retried.json["samples"][0]["id"]
    assert api.project(project)["classes"][1]["sample_count"] == 1
