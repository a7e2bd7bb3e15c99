"""A learner brings months of Anki reviews (a package real Anki exported with scheduling), opens
the deck's options on a phone, turns FSRS on, optimizes the parameters from those reviews, sees
them change, saves, and finds them (and FSRS on) when coming back; the retention simulator shows
a workload per day."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.collection.test_fsrs_vs_anki import _write_history
from tests.e2e.test_learner_journey import register


@pytest.fixture(scope="module")
def apkg_with_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Deck "Spanish": 120 Basic cards with months of reviews, exported by the ``anki``
    package with scheduling."""
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ExportAnkiPackageOptions

    work = tmp_path_factory.mktemp("anki-history")
    col = AnkiCollection(str(work / "collection.anki2"))
    try:
        deck_id = col.decks.id("Spanish")
        assert deck_id is not None
        basic = col.models.by_name("Basic")
        assert basic is not None
        for i in range(120):
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"palabra {i}", f"word {i}"
            col.add_note(note, deck_id)
        cids = [int(c) for c in col.db.list("select id from cards order by id")]
        _write_history(col, cids, random.Random(21))
        out = work / "spanish.apkg"
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=True, with_media=False, legacy=True
            ),
            limit=None,
        )
    finally:
        col.close()
    return out


def test_a_learner_turns_fsrs_on_and_optimizes(
    new_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    apkg_with_history: Path,
) -> None:
    page = new_page(width=390, height=844)
    register(page, "fsrs.learner", "correct horse battery")
    page.goto("/transfer")
    page.get_by_label("Package file").set_input_files(str(apkg_with_history))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("import-report")).to_be_visible(timeout=60_000)

    page.goto("/")
    spanish = page.locator('[data-deck="Spanish"]')
    spanish.get_by_label("Actions for Spanish").click()
    spanish.get_by_role("link", name="Options").click()
    fsrs = page.get_by_role("group", name="FSRS")
    switch = fsrs.get_by_role("checkbox", name="FSRS")
    expect(switch).not_to_be_checked()
    switch.check()
    params = fsrs.get_by_label("FSRS parameters")
    expect(params).to_have_value("")  # FSRS's defaults

    fsrs.get_by_role("button", name="Optimize", exact=True).click()
    expect(fsrs.get_by_role("status")).to_contain_text("Optimized from", timeout=120_000)
    optimized = params.input_value()
    numbers = [float(p) for p in optimized.split(",")]
    assert len(numbers) == 21 and all(n == n for n in numbers)  # 21 finite numbers
    screenshot(page, "fsrs-optimized-phone")

    fsrs.get_by_role("button", name="Evaluate").click()
    expect(fsrs.get_by_role("status")).to_contain_text("Log loss", timeout=60_000)

    fsrs.get_by_text("Retention simulator").click()
    fsrs.get_by_label("Extra new cards").fill("200")
    fsrs.get_by_label("Days to simulate").fill("90")
    fsrs.get_by_role("button", name="Simulate").click()
    result = fsrs.get_by_role("region", name="Simulation result")
    expect(result).to_be_visible(timeout=60_000)
    expect(result.locator(".fsrs-bar")).to_have_count(45)
    shots = screenshot(page, "fsrs-simulator-phone").parent
    fsrs.screenshot(path=str(shots / "fsrs-section-phone.png"))

    fsrs.get_by_label("Reschedule cards on change").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()

    # back in the options: FSRS is on and the optimized parameters are the preset's
    spanish.get_by_label("Actions for Spanish").click()
    spanish.get_by_role("link", name="Options").click()
    expect(fsrs.get_by_role("checkbox", name="FSRS")).to_be_checked()
    expect(fsrs.get_by_label("FSRS parameters")).to_have_value(optimized)
