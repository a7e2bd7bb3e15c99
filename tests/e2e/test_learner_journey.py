"""One learner's whole day in a real browser, against the real server: register, build a nested
deck, add Basic, reversed and Cloze notes, review them with the keyboard (with an undo), see the
reviews in the statistics, export (real Anki opens the file), import a package made by real Anki
and review its card with the image showing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

ROUTES_USED = [
    ("post", "/register"),
    ("post", "/login"),
    ("post", "/api/session/start"),
    ("post", "/api/session/flush"),
    ("get", "/api/decks"),
    ("post", "/api/decks"),
    ("get", "/api/notetypes"),
    ("post", "/api/notes"),
    ("get", "/api/cards"),
    ("get", "/api/review/{deck_id}"),
    ("post", "/api/review"),
    ("post", "/api/review/undo"),
    ("get", "/api/stats"),
    ("get", "/api/media/{name}"),
    ("post", "/api/import"),
    ("get", "/api/export"),
]


def missing_routes(app_url: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"{app_url}/api/openapi.json", timeout=10) as response:
            paths: dict[str, dict[str, Any]] = json.load(response)["paths"]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return ["GET /api/openapi.json"]
        raise
    normalized = {_shape(path): methods for path, methods in paths.items()}
    return [
        f"{method.upper()} {path}"
        for method, path in ROUTES_USED
        if method not in normalized.get(_shape(path), {})
    ]


def _shape(path: str) -> str:
    """Path parameters compared by position only: /api/review/{deck_id} ~ /api/review/{id}."""
    return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))


@pytest.fixture
def api_ready(app_url: str) -> None:
    missing = missing_routes(app_url)
    if missing:
        pytest.skip(f"the API lacks routes this test drives: {', '.join(missing)}")


def card_id(page: Page) -> str:
    return page.locator(".card-stage").get_attribute("data-card-id") or ""


def answered_card(request: Request) -> int | None:
    body = request.post_data_json
    return body.get("card_id") if isinstance(body, dict) else None


def wait_for_side(page: Page, side: str) -> None:
    expect(page.locator(f'.card-stage[data-side="{side}"]')).to_be_visible()


def register(page: Page, username: str, password: str) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Create account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()


def add_note(page: Page, note_type: str, fields: dict[str, str], tags: str = "") -> None:
    page.get_by_label("Note type").select_option(label=note_type)
    for name, value in fields.items():
        page.get_by_label(name, exact=True).fill(value)
    if tags:
        page.get_by_label("Tags").fill(tags)
    page.get_by_role("button", name="Add", exact=True).click()


@pytest.mark.usefixtures("api_ready")
def test_a_learners_day(
    new_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
    anki_apkg_with_image: Path,
    tmp_path: Path,
) -> None:
    page = new_page()
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))

    # --- register, and the login survives a reload
    register(page, "maria", "correct horse battery")
    page.reload()
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()

    # --- a nested deck, collapsible
    page.get_by_label("New deck name").fill("Languages::Spanish")
    page.get_by_role("button", name="Create deck").click()
    expect(page.locator('[data-deck="Languages::Spanish"]')).to_be_visible()
    with page.expect_response(lambda r: r.request.method == "PUT" and r.ok):
        page.get_by_role("button", name="Collapse Languages").click()
    expect(page.locator('[data-deck="Languages::Spanish"]')).to_be_hidden()
    page.reload()  # collapsed is kept in the collection, as Anki does
    expect(page.get_by_role("button", name="Expand Languages")).to_be_visible()
    expect(page.locator('[data-deck="Languages::Spanish"]')).to_be_hidden()
    page.get_by_role("button", name="Expand Languages").click()
    expect(page.locator('[data-deck="Languages::Spanish"]')).to_be_visible()

    # --- Basic, reversed and Cloze notes; the form stays for the next one
    page.get_by_role("link", name="Add").click()
    expect(page.get_by_role("heading", name="Add notes")).to_be_visible()
    page.get_by_label("Deck", exact=True).select_option(label="Languages › Spanish")
    add_note(page, "Basic", {"Front": "hola", "Back": "hello"}, tags="greetings")
    expect(page.get_by_text("Added 1 note")).to_be_visible()
    add_note(page, "Basic (and reversed card)", {"Front": "perro", "Back": "dog"})
    expect(page.get_by_text("Added 2 notes")).to_be_visible()
    page.get_by_label("Note type").select_option(label="Cloze")
    text = page.get_by_label("Text", exact=True)
    text.fill("Madrid is the capital of Spain")
    text.evaluate(
        """el => {
            const range = document.createRange();
            const words = el.querySelector('p').firstChild;
            range.setStart(words, 0);
            range.setEnd(words, 6);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }"""
    )
    text.press("Control+Shift+C")  # Anki's cloze shortcut, next number
    expect(text).to_have_text("{{c1::Madrid}} is the capital of Spain")
    screenshot(page, "03-add-cloze")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added 3 notes")).to_be_visible()
    expect(page.get_by_label("Text", exact=True)).to_have_text("")

    page.get_by_role("link", name="Decks").click()
    spanish = page.locator('[data-deck="Languages::Spanish"]')
    expect(spanish.locator(".count--new")).to_have_text("4")
    screenshot(page, "02-decks")

    # --- review with the keyboard only, with an undo
    spanish.get_by_role("link", name="Spanish").click()
    wait_for_side(page, "question")
    expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "idle")
    screenshot(page, "04-review-question")
    first = card_id(page)
    page.keyboard.press("Space")
    wait_for_side(page, "answer")
    labels = page.locator(".answer .answer-ivl").all_inner_texts()
    assert len(labels) == 4 and all(labels), labels
    screenshot(page, "05-review-answer")
    page.keyboard.press("1")
    wait_for_side(page, "question")
    assert card_id(page) != first
    # The answer is kept by the server as soon as it replies: the learner sees it saved.
    expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    page.keyboard.press("z")
    expect(page.locator(f'.card-stage[data-card-id="{first}"]')).to_be_visible()
    answered = 0
    while answered < 10 and not page.get_by_test_id("done-for-today").is_visible():
        wait_for_side(page, "question")
        page.keyboard.press("Enter")
        wait_for_side(page, "answer")
        page.keyboard.press("4")
        answered += 1
        expect(page.locator(".card-stage, [data-testid=done-for-today]").first).to_be_visible()
    expect(page.get_by_test_id("done-for-today")).to_be_visible()
    assert answered == 4
    screenshot(page, "06-review-done")

    posts = [r for r in requests if r.method == "POST" and r.url.endswith("/api/review")]
    assert len(posts) == 5
    session_ids = {r.headers.get("x-session-id") for r in posts}
    assert len(session_ids) == 1 and None not in session_ids
    assert any(r.url.endswith("/api/undo") for r in requests)  # Z undoes the latest step

    # leaving review ends the session, with its id
    with page.expect_request(lambda r: r.url.endswith("/api/session/flush")) as ended:
        page.get_by_role("link", name="Back to decks").click()
    assert ended.value.post_data_json == {"session_id": session_ids.pop()}

    # --- the statistics show today's reviews
    page.get_by_role("link", name="Stats").click()
    expect(page.get_by_test_id("studied-today").locator(".tile-value")).to_have_text("4")
    expect(
        page.get_by_test_id("chart-reviews").locator(".recharts-bar-rectangle").first
    ).to_be_visible()
    expect(page.locator('[data-testid=calendar] rect[data-count="4"]')).to_have_count(1)
    screenshot(page, "07-stats")
    page.get_by_label("Deck").select_option(label="Default")
    expect(page.get_by_test_id("studied-today").locator(".tile-value")).to_have_text("0")
    page.get_by_label("Deck").select_option(label="Languages › Spanish")
    page.get_by_label("Period").select_option(label="1 year")
    expect(page.get_by_test_id("studied-today").locator(".tile-value")).to_have_text("4")

    # --- browse with Anki search syntax; suspend a card
    page.get_by_role("link", name="Browse").click()
    page.get_by_label("Search").fill("deck:Languages::Spanish")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("4 cards")).to_be_visible()
    page.get_by_label("Search").fill("hola")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("1 card", exact=True)).to_be_visible()
    page.locator("tbody input[type=checkbox]").first.check()
    page.get_by_role("button", name="Suspend", exact=True).click()
    expect(page.locator("tbody tr[data-colour=suspended]")).to_have_count(1)
    screenshot(page, "08-browse")

    # --- export everything; real Anki opens it
    page.get_by_role("link", name="Import / Export").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export .apkg").click()
    exported = tmp_path / "export.apkg"
    download_info.value.save_as(exported)
    rc, verdict = anki_validate(
        exported, strict=False, expect={"notes": 3, "cards": 4, "revlog": 4, "suspended": 1}
    )
    assert rc == 0, verdict

    # --- import a package made by real Anki, and review its card with the image showing
    page.get_by_label("Package file").set_input_files(str(anki_apkg_with_image))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("import-report")).to_be_visible(timeout=60_000)
    screenshot(page, "09-import")
    page.get_by_role("link", name="Decks").click()
    pictures = page.locator('[data-deck="Imported::Pictures"]')
    expect(pictures.locator(".count--new")).to_have_text("1")
    pictures.get_by_role("link", name="Pictures").click()
    wait_for_side(page, "question")
    image = page.frame_locator("iframe.card-frame--shown").locator("img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 160
    assert image.evaluate("img => img.src.startsWith('data:image/png')")
    audio = page.frame_locator("iframe.card-frame--shown").locator("audio")
    expect(audio).to_have_count(1)
    screenshot(page, "10-review-image")
    page.keyboard.press("Space")
    wait_for_side(page, "answer")
    shown = page.frame_locator("iframe.card-frame--shown")
    expect(shown.get_by_text("Blue and green")).to_be_visible()


@pytest.mark.usefixtures("api_ready")
def test_review_on_a_phone_in_dark_theme(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page(width=390, height=844, dark=True)
    register(page, "phone.user", "correct horse battery")
    page.get_by_label("New deck name").fill("Pocket")
    page.get_by_role("button", name="Create deck").click()
    page.get_by_role("link", name="Add").click()
    expect(page.get_by_role("heading", name="Add notes")).to_be_visible()
    page.get_by_label("Deck", exact=True).select_option(label="Pocket")
    add_note(page, "Basic", {"Front": "<b>gato</b>", "Back": "cat"})
    expect(page.get_by_text("Added 1 note")).to_be_visible()
    page.get_by_role("link", name="Decks").click()
    screenshot(page, "11-phone-decks-dark")
    page.get_by_role("link", name="Pocket").click()
    wait_for_side(page, "question")
    page.get_by_role("button", name="Show answer").click()
    wait_for_side(page, "answer")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "12-phone-review-dark")
    page.get_by_role("button", name="Easy").click()
    expect(page.get_by_test_id("done-for-today")).to_be_visible()
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "12-phone-review-saved-dark")
    page.get_by_role("link", name="See statistics").click()
    expect(page.get_by_test_id("studied-today").locator(".tile-value")).to_have_text("1")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "14-phone-stats-dark")

    # The theme toggle overrides the system's choice and is remembered.
    page.get_by_role("button", name="Switch to light theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(page.get_by_role("button", name="Switch to dark theme")).to_be_visible()


def access_token(page: Page) -> str:
    """The access token the web app keeps for its login."""
    token: str = page.evaluate(
        "() => JSON.parse(localStorage.getItem('javumbo.auth')).access_token"
    )
    return token


def seed_cards(page: Page, deck_name: str, fronts: list[str]) -> int:
    """Adds Basic cards through the API with the page's own login; returns the deck id."""
    headers = {"Authorization": f"Bearer {access_token(page)}"}
    deck = page.request.post("/api/decks", data={"name": deck_name}, headers=headers)
    assert deck.status == 201, deck.text()
    deck_id = int(deck.json()["id"])
    for front in fronts:
        card = {"deck_id": deck_id, "front": front, "back": f"back of {front}"}
        created = page.request.post("/api/cards", data=card, headers=headers)
        assert created.status == 201, created.text()
    return deck_id


@pytest.mark.usefixtures("api_ready")
def test_deck_options_rename_edit_move_delete_and_deck_export(
    new_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
    tmp_path: Path,
) -> None:
    page = new_page()
    register(page, "options.user", "correct horse battery")
    seed_cards(page, "Words", [f"word {i}" for i in range(8)])
    seed_cards(page, "Scratch", ["temporary"])
    page.reload()
    words = page.locator('[data-deck="Words"]')
    expect(words.locator(".count--new")).to_have_text("8")

    # --- per-deck options: daily limit, learning steps, FSRS and its retention
    words.get_by_label("Actions for Words").click()
    words.get_by_role("link", name="Options").click()
    expect(page.get_by_role("heading", name="Options · Words")).to_be_visible()
    limits = page.get_by_role("group", name="Daily Limits")
    limits.get_by_label("New cards/day").fill("5")
    page.get_by_label("Learning steps", exact=True).fill("2m 15m 1d")
    page.get_by_role("checkbox", name="FSRS (for all presets)").check()
    page.get_by_label("Desired retention").fill("0.85")
    screenshot(page, "13-deck-options")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(words.locator(".count--new")).to_have_text("5")
    words.get_by_label("Actions for Words").click()
    words.get_by_role("link", name="Options").click()
    expect(limits.get_by_label("New cards/day")).to_have_value("5")
    expect(page.get_by_label("Learning steps", exact=True)).to_have_value("2m 15m 1d")
    expect(page.get_by_role("checkbox", name="FSRS (for all presets)")).to_be_checked()
    expect(page.get_by_label("Desired retention")).to_have_value("0.85")
    page.get_by_role("link", name="Close").click()

    # --- rename (into a nested name) and delete
    page.once("dialog", lambda prompt: prompt.accept("Vocabulary::Words"))
    words.get_by_label("Actions for Words").click()
    words.get_by_role("button", name="Rename").click()
    expect(page.locator('[data-deck="Vocabulary::Words"]')).to_be_visible()
    scratch = page.locator('[data-deck="Scratch"]')
    page.once("dialog", lambda confirm: confirm.accept())
    scratch.get_by_label("Actions for Scratch").click()
    scratch.get_by_role("button", name="Delete").click()
    expect(scratch).to_have_count(0)

    # --- edit a note, then move its card
    page.get_by_role("link", name="Browse").click()
    page.get_by_label("Search").fill('"word 3"')
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("1 card", exact=True)).to_be_visible()
    page.locator("tbody input[type=checkbox]").first.check()
    page.get_by_role("button", name="Edit").click()
    editor = page.get_by_role("dialog", name="Edit note")
    editor.get_by_role("textbox", name="Front").fill("word three")
    editor.get_by_label("Tags").fill("edited")
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_be_hidden()
    page.get_by_label("Search").fill("tag:edited")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr").first).to_contain_text("word three")
    page.locator("tbody input[type=checkbox]").first.check()
    page.get_by_label("Move selected cards to deck").select_option(label="Default")
    expect(page.locator("tbody tr").first).to_contain_text("Default")

    # --- export one deck without scheduling: real Anki opens it with that deck's notes
    page.get_by_role("link", name="Import / Export").click()
    page.get_by_label("Deck to export").select_option(label="Vocabulary › Words")
    page.get_by_label("Include scheduling (review history and due dates)").uncheck()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export .apkg").click()
    exported = tmp_path / "words.apkg"
    download_info.value.save_as(exported)
    rc, verdict = anki_validate(exported, strict=False, expect={"notes": 7, "cards": 7})
    assert rc == 0, verdict


@pytest.mark.usefixtures("api_ready")
def test_answers_are_kept_as_they_go_and_logout_ends_the_login(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page()
    register(page, "leaver", "correct horse battery")
    deck_id = seed_cards(page, "Leave", ["uno", "dos", "tres"])
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    page.goto(f"/review/{deck_id}")
    wait_for_side(page, "question")
    page.keyboard.press("Space")
    wait_for_side(page, "answer")
    page.keyboard.press("3")
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    screenshot(page, "10-review-saved")

    # The server journaled the answer before replying: nothing is held back, so leaving the
    # page does not ask (a beforeunload prompt would open a dialog and keep the page open).
    dialogs: list[Any] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    page.reload()
    wait_for_side(page, "question")
    assert dialogs == []

    # Logging out revokes this login's refresh token on the server, then shows the login page.
    refresh_token = page.evaluate(
        "() => JSON.parse(localStorage.getItem('javumbo.auth')).refresh_token"
    )
    with page.expect_response(lambda r: r.url.endswith("/logout")) as logged_out:
        page.get_by_role("button", name="Log out").click()
    assert logged_out.value.status == 204
    assert logged_out.value.request.post_data_json == {"refresh_token": refresh_token}
    expect(page.get_by_role("button", name="Log in", exact=True).last).to_be_visible()
    refused = page.request.post("/refresh", headers={"Authorization": f"Bearer {refresh_token}"})
    assert refused.status == 401

    # Logging in again (not registering) shows the answer counted.
    page.get_by_label("Username").fill("leaver")
    page.get_by_label("Password").fill("correct horse battery")
    page.locator("form button[type=submit]").click()
    expect(page.locator('[data-deck="Leave"] .count--new')).to_have_text("2")


@pytest.mark.usefixtures("api_ready")
def test_keypress_never_waits_for_the_network_and_answers_are_never_batched(
    new_page: Callable[..., Page], console_errors: Any
) -> None:
    page = new_page()
    register(page, "fast.fingers", "correct horse battery")
    deck_id = seed_cards(page, "Drill", [f"drill {i}" for i in range(24)])
    raised = page.request.put(
        f"/api/decks/{deck_id}",
        data={"limits": {"new": 50}},
        headers={"Authorization": f"Bearer {access_token(page)}"},
    )
    assert raised.ok, raised.text()
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))

    # One route for the whole test, its behaviour switched by `mode`: removing a route while an
    # answer leaves turns interception off under it, and Playwright then never reports that request.
    mode = "hold"
    held: list[Any] = []
    conflicted_card = -1
    conflicts: list[str] = []

    def answers_route(route: Any) -> None:
        if route.request.method != "POST" or mode == "pass":
            route.continue_()
        elif mode == "hold":
            held.append(route)
        elif not conflicts and answered_card(route.request) == conflicted_card:
            conflicts.append(route.request.headers["idempotency-key"])
            route.fulfill(
                status=409,
                headers={"Retry-After": "0", "Content-Type": "application/json"},
                body=json.dumps({"error": {"code": "conflict", "message": "busy"}}),
            )
        else:
            route.continue_()

    # Hold every answer at the network: the next cards must still come up at once.
    page.route("**/api/review", answers_route)
    page.goto(f"/review/{deck_id}")
    seen = []
    for _ in range(3):
        wait_for_side(page, "question")
        seen.append(card_id(page))
        page.keyboard.press("Space")
        wait_for_side(page, "answer")
        page.keyboard.press("4")
        expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", seen[-1])
    assert len(held) == 1  # answers go out one after another: the first is still in flight
    assert len(set(seen)) == 3
    mode = "pass"
    for route in held:
        route.continue_()

    # A storage conflict on the next answer is retried with the same Idempotency-Key, unseen.
    console_errors.allow("status of 409")
    wait_for_side(page, "question")
    conflicted_card = int(card_id(page))
    mode = "conflict"
    page.keyboard.press("Space")
    wait_for_side(page, "answer")
    with page.expect_response(
        lambda r: (
            r.url.endswith("/api/review") and r.ok and answered_card(r.request) == conflicted_card
        )
    ):
        page.keyboard.press("4")
    mode = "pass"
    assert len(conflicts) == 1
    retried = [r for r in requests if r.headers.get("idempotency-key") == conflicts[0]]
    assert len(retried) == 2
    expect(page.get_by_role("alert")).to_have_count(0)

    # 20 answers in all, each sent on its own under the session's id; the session is never
    # flushed while reviewing (the server keeps every answer as it comes).
    for _ in range(4, 20):
        wait_for_side(page, "question")
        page.keyboard.press("Space")
        wait_for_side(page, "answer")
        page.keyboard.press("4")
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    posts = [r for r in requests if r.method == "POST" and r.url.endswith("/api/review")]
    assert len(posts) == 21  # 20 answers, one of them sent twice
    session_ids = {r.headers.get("x-session-id") for r in posts}
    assert len(session_ids) == 1 and None not in session_ids
    assert not any(r.url.endswith("/api/session/flush") for r in requests)
