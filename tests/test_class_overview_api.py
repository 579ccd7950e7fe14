"""The teacher's class at a glance through the API: one request for the whole class (pictures
per class and the newest few, the latest model's validation accuracy, the quiz, share links
waiting, last activity), its ETags, the moderation view's pages of pictures, and printable
student cards."""

import time

from sqlalchemy import event

from server import class_overview, signed_urls
from server.class_overview import LATEST_PICTURES
from server.db import db


def overview(api, client, classroom, **headers):
    return client.get(
        f"/api/classrooms/{classroom['id']}/overview", headers=api.teacher(classroom) | headers
    )


def test_the_class_at_a_glance_shows_each_students_work(api, client, image):
    classroom = api.start_classroom()
    work = api.student_project(api.join(classroom, "Sam"))
    api.join(classroom, "Kim")
    apple, banana = (c["id"] for c in work["classes"])
    api.add_samples(work, *(image(color=(i, 0, 0)) for i in range(5)), class_id=apple)
    newest = api.add_samples(work, *(image(color=(0, i + 1, 0)) for i in range(4)), class_id=banana)
    api.save_model(work, metrics={"val_accuracy": 0.5})
    model = api.save_model(work, metrics={"val_accuracy": 0.875})
    link = api.share(work, model)
    client.put(f"/api/projects/{work['id']}/quiz", json={"right": 7, "total": 9},
               headers=api.auth(work))  # fmt: skip

    reply = overview(api, client, classroom)
    assert reply.status_code == 200 and reply.headers["ETag"]
    # The dashboard's one request: the classroom's settings and assignments come with it.
    assert (reply.json["name"], reply.json["join_code"]) == (classroom["name"],
                                                            classroom["join_code"])  # fmt: skip
    assert reply.json["assignments"] == []
    students = {s["nickname"]: s for s in reply.json["students"]}
    assert list(students) == ["Kim", "Sam"] and students["Kim"]["projects"] == []
    (project,) = students["Sam"]["projects"]
    assert [(c["name"], c["sample_count"]) for c in project["classes"]] == [
        ("Apple", 5), ("Banana", 4)
    ]  # fmt: skip
    assert project["sample_count"] == 9
    shown = project["latest_pictures"]
    assert len(shown) == LATEST_PICTURES
    # Newest first: the four banana pictures, then the last apple ones.
    assert {p["id"] for p in shown[:4]} == {s["id"] for s in newest}
    assert api.image_data(shown[0])
    assert project["latest_model"]["number"] == 2
    assert project["latest_model"]["val_accuracy"] == 0.875
    assert (project["quiz"]["right"], project["quiz"]["total"]) == (7, 9)
    assert [p["token"] for p in project["pending_links"]] == [link["token"]]
    assert students["Sam"]["last_activity"].endswith("Z")

    # Approved, the link no longer waits.
    client.post(f"/api/shares/{link['token']}/approve", headers=api.teacher(classroom))
    again = overview(api, client, classroom).json
    sam_again = {s["nickname"]: s for s in again["students"]}["Sam"]
    assert sam_again["projects"][0]["pending_links"] == []


def test_only_changed_rows_get_a_new_etag_and_an_unchanged_class_answers_304(api, client, image):
    classroom = api.start_classroom()
    sam, kim = api.join(classroom, "Sam"), api.join(classroom, "Kim")
    sams, kims = api.student_project(sam), api.student_project(kim)
    api.add_samples(kims, image(), class_id=kims["classes"][0]["id"])
    first = overview(api, client, classroom)
    unchanged = overview(api, client, classroom, **{"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""

    # A new assignment changes the class's ETag, and no student's row.
    client.post(f"/api/classrooms/{classroom['id']}/assignments", json={"title": "Pets"},
                headers=api.teacher(classroom))  # fmt: skip
    assigned = overview(api, client, classroom, **{"If-None-Match": first.headers["ETag"]})
    assert assigned.status_code == 200 and assigned.json["assignments"][0]["title"] == "Pets"
    assert [s["etag"] for s in assigned.json["students"]] == [
        s["etag"] for s in first.json["students"]
    ]
    api.add_samples(sams, image(color=(9, 9, 9)), class_id=sams["classes"][1]["id"])
    second = overview(api, client, classroom, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    before = {s["nickname"]: s["etag"] for s in first.json["students"]}
    after = {s["nickname"]: s["etag"] for s in second.json["students"]}
    assert after["Kim"] == before["Kim"] and after["Sam"] != before["Sam"]


def test_the_class_at_a_glance_takes_a_few_queries_whatever_the_class_size(api, client, image, app):
    classroom = api.start_classroom()

    def queries() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert overview(api, client, classroom).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    def add_student(name: str) -> None:
        work = api.student_project(api.join(classroom, name))
        api.add_samples(work, image(color=(len(name), 1, 2)), class_id=work["classes"][0]["id"])
        api.share(work, api.save_model(work))

    add_student("A")
    few = queries()
    for name in ("BB", "CCC", "DDDD", "EEEEE"):
        add_student(name)
    assert queries() == few


def test_the_moderation_view_pages_every_picture_of_the_class_newest_first(
    api, client, image, problem
):
    classroom = api.start_classroom()
    other = api.start_classroom("Other class")
    sam, kim = api.join(classroom, "Sam"), api.join(classroom, "Kim")
    sams, kims = api.student_project(sam), api.student_project(kim)
    stranger = api.student_project(api.join(other, "Lou"))
    api.add_samples(stranger, image(color=(200, 0, 0)))
    taken = []
    for i in range(5):
        work = sams if i % 2 == 0 else kims
        taken += api.add_samples(work, image(color=(i, 9, 9)), class_id=work["classes"][0]["id"])
    url = f"/api/classrooms/{classroom['id']}/pictures"
    teacher = api.teacher(classroom)
    first = client.get(f"{url}?per_page=3", headers=teacher).json
    second = client.get(f"{url}?per_page=3&page=2", headers=teacher).json
    assert first["total"] == 5
    shown = first["pictures"] + second["pictures"]
    assert [p["id"] for p in shown] == [s["id"] for s in reversed(taken)]
    assert [p["nickname"] for p in shown] == ["Sam", "Kim", "Sam", "Kim", "Sam"]
    assert {p["class_name"] for p in shown} == {"Apple"}
    assert api.image_data(shown[0])
    # Deleted through the project's own route, it leaves the view.
    deleted = client.delete(
        f"/api/projects/{shown[0]['project_id']}/samples/{shown[0]['id']}", headers=teacher
    )
    assert deleted.status_code == 204
    assert client.get(url, headers=teacher).json["total"] == 4
    problem(client.get(f"{url}?page=0", headers=teacher), 400)
    problem(client.get(f"{url}?per_page=201", headers=teacher), 400)


def test_student_cards_give_every_student_a_new_link_and_end_the_old_ones(api, client, problem):
    classroom = api.start_classroom()
    sam, kim = api.join(classroom, "Sam"), api.join(classroom, "Kim")
    reply = client.post(
        f"/api/classrooms/{classroom['id']}/student-cards", headers=api.teacher(classroom)
    )
    assert reply.status_code == 200
    cards = {card["nickname"]: card for card in reply.json["cards"]}
    assert set(cards) == {"Sam", "Kim"}
    for old in (sam, kim):
        bearer = {"Authorization": f"Bearer {old['student_token']}"}
        problem(client.get("/api/student", headers=bearer), 401)
    token = cards["Sam"]["student_url"].split("#student=")[1]
    home = client.get("/api/student", headers={"Authorization": f"Bearer {token}"})
    assert home.status_code == 200 and home.json["student"]["nickname"] == "Sam"


def test_the_class_etag_changes_when_picture_urls_are_signed_anew(api, client, image, monkeypatch):
    """A page keeps unchanged cards; when the URLs it was given near their end, the class's etag
    changes (the rows' do not), so the page gets fresh URLs for thumbnails it has not loaded."""
    classroom = api.start_classroom()
    work = api.student_project(api.join(classroom, "Sam"))
    api.add_samples(work, image(), class_id=work["classes"][0]["id"])
    first = overview(api, client, classroom)
    later = int(time.time()) + 100 * 3600  # a signing window far from the first one
    monkeypatch.setattr(class_overview, "url_expiry", lambda: later)
    monkeypatch.setattr(signed_urls, "url_expiry", lambda now=None: later)
    second = overview(api, client, classroom, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.json["students"][0]["etag"] == first.json["students"][0]["etag"]
    (old_url,) = [p["image_url"] for p in first.json["students"][0]["projects"][0][
        "latest_pictures"]]  # fmt: skip
    (new_url,) = [p["image_url"] for p in second.json["students"][0]["projects"][0][
        "latest_pictures"]]  # fmt: skip
    assert f"expires={later}" in new_url and new_url != old_url
