"""What the studio tells a student while and after training, and how its choices are laid out:
the notice of the final run goes when training ends, and each image model's radio button sits
on its own label's line."""

from pathlib import Path

from playwright.sync_api import Page, expect

from .media import write_pictures
from .test_studio import start_project, wait_until_saved_and_prepared


def upload_two_classes(page: Page, tmp_path: Path, per_class: int) -> None:
    cards = page.locator(".class-card")
    for card, kind in ((cards.nth(0), "disc"), (cards.nth(1), "checks")):
        pictures = write_pictures(tmp_path / kind, kind, per_class, first_seed=1)
        card.locator("input[type=file]").set_input_files([str(p) for p in pictures])
    wait_until_saved_and_prepared(page)


def test_the_final_run_notice_goes_when_training_ends(page: Page, live_server, tmp_path):
    start_project(page, live_server.url)
    # Six pictures a class: some are held out, so a check run comes first, then the final run
    # on every picture, announced by a notice.
    upload_two_classes(page, tmp_path, 6)
    notices = []
    page.expose_function("noteNotice", lambda text: notices.append(text))
    page.evaluate(
        """() => new MutationObserver(() => window.noteNotice(document.querySelector('.notice')
            .textContent)).observe(document.querySelector('.notice'), {childList: true,
            subtree: true, characterData: true})"""
    )
    page.get_by_role("button", name="Train model").click()
    expect(page.locator(".train-status")).to_contain_text("Trained in", timeout=60_000)
    expect(page.locator(".notice")).not_to_contain_text("Training the final model")
    assert any("Training the final model" in text for text in notices), notices


def test_each_image_model_radio_is_on_its_own_labels_line(page: Page, live_server):
    page.set_viewport_size({"width": 1400, "height": 1000})
    start_project(page, live_server.url)
    choice = page.locator(".backbone-choice")
    expect(choice.locator("input[type=radio]")).to_have_count(2)
    lines = page.evaluate(
        """() => [...document.querySelectorAll('.backbone-choice label')].map((label) => {
            const radio = label.querySelector('input[type=radio]').getBoundingClientRect();
            const range = document.createRange();
            const text = [...label.childNodes]
                .find((n) => n.nodeType === 3 && n.textContent.trim());
            range.selectNodeContents(text);
            const words = range.getClientRects()[0];
            return {kind: label.querySelector('input').dataset.kind,
                    radio: [radio.top, radio.bottom], words: [words.top, words.bottom]};
        })"""
    )
    assert [line["kind"] for line in lines] == ["faster", "moreAccurate"]
    for line in lines:
        middle = sum(line["radio"]) / 2
        top, bottom = line["words"]
        assert top <= middle <= bottom, line
    assert lines[1]["words"][0] >= lines[0]["words"][1], lines
