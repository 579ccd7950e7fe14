"""Samples: the studio lists them page by page, relabels, deletes and shows their images."""

import threading

import pytest

from server import storage
from server.signed_urls import ROUNDING_SECONDS
from server.storage import BlobStore
from tests.conftest import Api


def samples_url(project: dict, sample_id: str | None = None) -> str:
    url = f"/api/projects/{project['id']}/samples"
    return url if sample_id is None else f"{url}/{sample_id}"


@pytest.fixture
def five_samples(api, project, image) -> list[dict]:
    """Five samples, uploaded one by one: two Apples, one Banana, two unlabelled."""
    apple, banana = (c["id"] for c in project["classes"])
    labels = [apple, None, banana, apple, None]
    samples = []
    for shade, class_id in enumerate(labels):
        form = {} if class_id is None else {"class_id": class_id}
        samples += api.add_samples(project, image(color=(shade, shade, shade)), **form)
    return samples


def test_samples_come_back_in_upload_order_page_by_page(api, project, five_samples):
    pages = [
        api.get(project, samples_url(project) + f"?page={page}&per_page=2").json
        for page in (1, 2, 3, 4)
    ]
    assert [[s["id"] for s in p["samples"]] for p in pages] == [
        [s["id"] for s in five_samples[0:2]],
        [s["id"] for s in five_samples[2:4]],
        [s["id"] for s in five_samples[4:5]],
        [],
    ]
    assert all(p["total"] == 5 and p["per_page"] == 2 for p in pages)
    assert [p["page"] for p in pages] == [1, 2, 3, 4]


def walk(api, project: dict, query: str = "") -> list[dict]:
    """Every page of the listing, following next_cursor."""
    pages = [api.get(project, samples_url(project) + f"?per_page=2{query}").json]
    while pages[-1]["next_cursor"]:
        cursor = pages[-1]["next_cursor"]
        pages.append(api.get(project, samples_url(project) + f"?per_page=2&after={cursor}").json)
    return pages


def test_samples_come_back_in_upload_order_by_cursor(api, project, five_samples):
    pages = walk(api, project)
    assert [[s["id"] for s in p["samples"]] for p in pages] == [
        [s["id"] for s in five_samples[0:2]],
        [s["id"] for s in five_samples[2:4]],
        [s["id"] for s in five_samples[4:5]],
    ]
    assert [p["page"] for p in pages] == [1, None, None]
    assert all(p["total"] == 5 for p in pages)


def test_a_cursor_continues_one_class_too(api, project, five_samples):
    apple = project["classes"][0]["id"]
    first = api.get(project, samples_url(project) + f"?per_page=1&class_id={apple}").json
    cursor = first["next_cursor"]
    second = api.get(
        project, samples_url(project) + f"?per_page=1&class_id={apple}&after={cursor}"
    ).json
    assert [first["samples"][0]["id"], second["samples"][0]["id"]] == [
        five_samples[0]["id"],
        five_samples[3]["id"],
    ]
    assert second["next_cursor"] is None


def test_a_picture_deleted_while_listing_by_cursor_skips_no_other(
    client, api, project, five_samples
):
    first = api.get(project, samples_url(project) + "?per_page=2").json
    client.delete(samples_url(project, five_samples[0]["id"]), headers=api.auth(project))
    cursor = first["next_cursor"]
    second = api.get(project, samples_url(project) + f"?per_page=2&after={cursor}").json
    assert [s["id"] for s in second["samples"]] == [s["id"] for s in five_samples[2:4]]


def test_samples_default_to_first_page_of_100(api, project, five_samples):
    body = api.get(project, samples_url(project)).json
    assert (body["page"], body["per_page"], body["total"]) == (1, 100, 5)
    assert body["next_cursor"] is None
    assert body["samples"] == five_samples


def test_samples_of_one_class_or_unlabelled(api, project, five_samples):
    apple = project["classes"][0]["id"]
    apples = api.get(project, samples_url(project) + f"?class_id={apple}").json
    assert [s["id"] for s in apples["samples"]] == [five_samples[0]["id"], five_samples[3]["id"]]
    assert apples["total"] == 2
    unlabelled = api.get(project, samples_url(project) + "?class_id=unlabelled").json
    assert [s["id"] for s in unlabelled["samples"]] == [
        five_samples[1]["id"],
        five_samples[4]["id"],
    ]


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=0", "page"),
        ("page=x", "page"),
        ("page=99999999999999999", "page"),
        ("per_page=0", "per_page"),
        ("per_page=501", "per_page"),
        ("per_page=1.5", "per_page"),
        ("class_id=banana", "class_id"),
        ("class_id=424242", "class_id"),
        ("page=1&after=abc", "page"),
        ("after=", "after"),
        ("after=%%%", "after"),
        ("after=bm90IGEgY3Vyc29y", "after"),
    ],
)
def test_invalid_sample_query_is_refused(api, project, problem, query, field):
    body = problem(api.get(project, samples_url(project) + "?" + query), 400)
    assert body["errors"][0]["field"] == field


def test_largest_page_is_500(api, project, five_samples):
    assert api.get(project, samples_url(project) + "?per_page=500").json["per_page"] == 500


def test_student_relabels_one_sample(client, api, project, five_samples):
    banana = project["classes"][1]["id"]
    sample = five_samples[0]
    response = client.patch(
        samples_url(project, sample["id"]), json={"class_id": banana}, headers=api.auth(project)
    )
    assert response.status_code == 200
    assert response.json == {**sample, "class_id": banana}
    response = client.patch(
        samples_url(project, sample["id"]), json={"class_id": None}, headers=api.auth(project)
    )
    assert response.json["class_id"] is None
    assert api.project(project)["unlabelled_count"] == 3


@pytest.mark.parametrize("body", [{}, {"class_id": "x"}, {"class_id": 424242}, {"class_id": True}])
def test_relabel_needs_a_class_of_this_project(client, api, project, five_samples, problem, body):
    response = client.patch(
        samples_url(project, five_samples[0]["id"]), json=body, headers=api.auth(project)
    )
    assert problem(response, 400)["errors"][0]["field"] == "class_id"


def test_class_of_another_project_cannot_label_a_sample(
    client, api, project, five_samples, problem
):
    foreign = api.create_project()["classes"][0]["id"]
    response = client.patch(
        samples_url(project, five_samples[0]["id"]),
        json={"class_id": foreign},
        headers=api.auth(project),
    )
    problem(response, 400)


def test_student_relabels_many_samples_at_once(client, api, project, five_samples):
    banana = project["classes"][1]["id"]
    ids = [five_samples[4]["id"], five_samples[0]["id"]]
    response = client.patch(
        samples_url(project), json={"ids": ids, "class_id": banana}, headers=api.auth(project)
    )
    assert response.status_code == 200
    assert [s["id"] for s in response.json["samples"]] == ids
    assert all(s["class_id"] == banana for s in response.json["samples"])
    assert [c["sample_count"] for c in api.project(project)["classes"]] == [1, 3]


@pytest.mark.parametrize(
    "make_body, field",
    [
        (lambda ids: {"ids": [], "class_id": None}, "ids"),
        (lambda ids: {"ids": ids[0], "class_id": None}, "ids"),
        (lambda ids: {"ids": [1, 2], "class_id": None}, "ids"),
        (lambda ids: {"ids": [ids[0], "no-such-sample"], "class_id": None}, "ids"),
        (lambda ids: {"ids": [ids[0]]}, "class_id"),
    ],
    ids=["empty", "not a list", "not strings", "one unknown", "no class_id"],
)
def test_bulk_relabel_changes_nothing_when_anything_is_wrong(
    client, api, project, five_samples, problem, make_body, field
):
    body = make_body([s["id"] for s in five_samples])
    response = client.patch(samples_url(project), json=body, headers=api.auth(project))
    assert problem(response, 400)["errors"][0]["field"] == field
    assert api.get(project, samples_url(project)).json["samples"] == five_samples


def test_samples_of_another_project_cannot_be_touched(client, api, project, image, problem):
    other = api.create_project()
    (theirs,) = api.add_samples(other, image())
    auth = api.auth(project)
    problem(
        client.patch(samples_url(project, theirs["id"]), json={"class_id": None}, headers=auth), 404
    )
    problem(client.delete(samples_url(project, theirs["id"]), headers=auth), 404)
    response = client.patch(
        samples_url(project), json={"ids": [theirs["id"]], "class_id": None}, headers=auth
    )
    problem(response, 400)
    assert api.project(other)["sample_count"] == 1


def test_student_deletes_a_sample_and_its_blob(client, api, project, five_samples, stored):
    sample = five_samples[2]
    response = client.delete(samples_url(project, sample["id"]), headers=api.auth(project))
    assert response.status_code == 204
    assert len(stored()["blob_files"]) == 4
    listed = api.get(project, samples_url(project)).json["samples"]
    assert sample["id"] not in [s["id"] for s in listed]
    assert client.get(sample["image_url"]).status_code == 404


def test_deleting_a_shared_image_keeps_the_blob_for_the_other_project(
    client, api, project, image, stored
):
    data = image(color=(42, 42, 42))
    (mine,) = api.add_samples(project, data)
    other = api.create_project()
    (theirs,) = api.add_samples(other, data)
    client.delete(samples_url(project, mine["id"]), headers=api.auth(project))
    assert len(stored()["blob_files"]) == 1
    assert api.image_data(theirs) == data
    client.delete(f"/api/projects/{other['id']}", headers=api.auth(other))
    assert stored()["blob_files"] == []


def paused(real, gate: dict, name: str, before: bool):
    """`real`, made to stop once, in the thread named `name`, until gate["go"] is set: before
    calling `real` or after it returned. gate["there"] is set when it stops."""
    calls = []

    def wrapper(*args, **kwargs):
        stop = threading.current_thread().name == name and not calls
        calls.append(name)
        if stop and before:
            gate["there"].set()
            gate["go"].wait(10)
        result = real(*args, **kwargs)
        if stop and not before:
            gate["there"].set()
            gate["go"].wait(10)
        return result

    return wrapper


@pytest.mark.parametrize("first", ["upload", "deletion"])
def test_an_upload_racing_the_deletion_of_the_same_picture_keeps_it(
    app, api, project, image, monkeypatch, first
):
    """Project A deletes a picture while project B uploads the same one (same blob). The
    upload is stopped after its insert and its check that the blob is there, just before its
    commit; or the deletion after finding no other row uses the blob, just before removing
    it. The other request runs meanwhile, then both finish: the picture must still be stored.
    (Without blob locks on PostgreSQL, the deletion removed the blob under the new row.)"""
    data = image(color=(77, 77, 77))
    (theirs,) = api.add_samples(project, data)
    other = api.create_project("Other")
    gate = {"there": threading.Event(), "go": threading.Event()}
    if first == "upload":
        hook = paused(storage.hold_and_restore, gate, "upload", before=False)
        monkeypatch.setattr(storage, "hold_and_restore", hook)
    else:
        monkeypatch.setattr(BlobStore, "delete", paused(BlobStore.delete, gate, "deletion", True))
    answers = {}

    def upload():
        answers["upload"] = Api(app.test_client()).upload(other, data)

    def deletion():
        answers["deletion"] = app.test_client().delete(
            samples_url(project, theirs["id"]), headers=api.auth(project)
        )

    threads = {name: threading.Thread(target=run, name=name) for name, run in
               [("upload", upload), ("deletion", deletion)]}  # fmt: skip
    second = "deletion" if first == "upload" else "upload"
    threads[first].start()
    assert gate["there"].wait(10)
    threads[second].start()
    threads[second].join(0.5)  # it waits for the first to commit; unguarded, it would finish
    gate["go"].set()
    for thread in threads.values():
        thread.join(30)
    assert answers["deletion"].status_code == 204
    assert answers["upload"].status_code == 201, answers["upload"].json
    (mine,) = answers["upload"].json["samples"]
    assert api.image_data(mine) == data
    listed = api.get(other, samples_url(other)).json["samples"]
    assert [s["id"] for s in listed] == [mine["id"]]


def test_sample_image_is_kept_only_by_this_browser_while_its_url_works(client, five_samples):
    sample = five_samples[0]
    lifetime = client.application.config["IMAGE_URL_SECONDS"]
    with client.get(sample["image_url"]) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        cache = response.cache_control
        assert cache.private and not cache.public and not cache.immutable
        assert 0 < cache.max_age <= lifetime + ROUNDING_SECONDS
        etag = response.headers["ETag"]
    with client.get(sample["image_url"], headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


def test_a_pictures_headers_do_not_give_its_sha256(client, five_samples):
    """Whoever holds a picture URL learns the picture, not the hash that would let them check a
    guess or find the same picture elsewhere; the ETag still differs between pictures."""
    etags = set()
    for sample in five_samples:
        with client.get(sample["image_url"]) as response:
            headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
        for part in (sample["sha256"], sample["sha256"][:16], sample["sha256"][2:]):
            assert part not in headers
        assert sample["id"] in response.headers["Content-Disposition"]
        etags.add(response.headers["ETag"])
    assert len(etags) == len(five_samples)


def test_sample_image_needs_its_signed_url_or_the_owner_token(
    client, api, project, five_samples, problem
):
    unsigned = five_samples[0]["image_url"].partition("?")[0]
    problem(client.get(unsigned), 401)
    with api.get(project, unsigned) as response:
        assert response.status_code == 200
        assert response.cache_control.private and response.cache_control.max_age == 0


def test_unknown_sample_image_is_not_found(client, problem):
    problem(client.get("/api/samples/nope/image"), 404)
