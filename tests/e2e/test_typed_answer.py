"""A learner reviews a card of Anki's stock "Basic (type in the answer)" note type in a real
browser: the answer stays hidden behind the box, the review keys stay out of the box, and Enter
shows Anki's comparison of what was typed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, Request, expect

from tests.e2e.test_learner_journey import add_note, register, wait_for_side


def is_an_answer(request: Request) -> bool:
    return request.method == "POST" and request.url.endswith("/api/review")


def test_typing_the_answer(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page()
    answers: list[Request] = []
    page.on("request", lambda r: answers.append(r) if is_an_answer(r) else None)
    register(page, "typist", "correct horse battery")
    page.get_by_label("New deck name").fill("Capitals")
    page.get_by_role("button", name="Create deck").click()
    expect(page.locator('[data-deck="Capitals"]')).to_be_visible()
    page.get_by_role("link", name="Add").click()
    page.get_by_label("Deck", exact=True).select_option(label="Capitals")
    add_note(page, "Basic (type in the answer)", {"Front": "Capital of France?", "Back": "Paris"})
    expect(page.get_by_text("Added 1 note")).to_be_visible()

    page.get_by_role("link", name="Decks").click()
    page.locator('[data-deck="Capitals"]').get_by_role("link", name="Capitals").click()
    wait_for_side(page, "question")
    card = page.frame_locator("iframe.card-frame--shown").locator("body")
    expect(card).to_contain_text("Capital of France?")
    expect(card).not_to_contain_text("Paris")
    expect(page.locator("body")).not_to_contain_text("Paris")

    box = page.get_by_label("Type the answer")
    expect(box).to_be_focused()
    page.keyboard.press("1")  # "1" is Again once the answer shows; here it is typed
    expect(box).to_have_value("1")
    page.keyboard.type("Pari")
    expect(box).to_have_value("1Pari")
    assert page.locator(".card-stage").get_attribute("data-side") == "question"
    assert answers == []
    screenshot(page, "15-review-typed-question")

    page.keyboard.press("Enter")
    wait_for_side(page, "answer")
    expect(box).to_have_count(0)
    comparison = page.frame_locator("iframe.card-frame--shown").locator("code#typeans")
    expect(comparison.locator(".typeBad")).to_have_text("1")
    expect(comparison.locator(".typeGood").first).to_have_text("Pari")
    expect(comparison.locator(".typeMissed").last).to_have_text("s")
    expect(comparison).to_contain_text("Paris")
    bad_style = comparison.locator(".typeBad").evaluate(
        "el => getComputedStyle(el).textDecorationLine + ' ' + getComputedStyle(el).backgroundColor"
    )
    assert bad_style == "line-through rgb(255, 170, 170)", bad_style
    expect(page.locator(".review p.visually-hidden[role=status]")).to_have_text(
        "Not quite: you typed “1Pari”. The answer is “Paris”. "
        "1 wrong character and 1 missing character."
    )
    assert answers == []
    screenshot(page, "16-review-typed-answer")

    with page.expect_request(is_an_answer):
        page.keyboard.press("3")
    assert answers[0].post_data_json["rating"] == 3
    expect(
        page.get_by_test_id("done-for-today").or_(page.locator(".card-stage")).first
    ).to_be_visible()
