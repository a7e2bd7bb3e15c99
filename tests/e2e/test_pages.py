"""The page itself, before anyone logs in: it loads, routes on the client, themes, fits a phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect


def test_login_page_loads_without_errors(
    new_page: Callable[..., Any], screenshot: Callable[[Any, str], Path]
) -> None:
    page = new_page()
    page.goto("/")
    expect(page).to_have_url("/login")
    expect(page.get_by_role("heading", name="Javumbo")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_visible()
    screenshot(page, "01-login")


def test_deep_links_reload_into_the_app(new_page: Callable[..., Any]) -> None:
    page = new_page()
    response = page.goto("/review/12345")
    assert response is not None and response.status == 200
    assert "no-cache" in (response.headers.get("cache-control") or "")
    # Not logged in: the app sends the learner to the login page.
    expect(page).to_have_url("/login")


def test_dark_theme_follows_the_system_and_the_toggle_is_remembered(
    new_page: Callable[..., Any], screenshot: Callable[[Any, str], Path]
) -> None:
    page = new_page(dark=True)
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 21, 28)"
    screenshot(page, "01-login-dark")


def test_login_page_fits_a_phone(
    new_page: Callable[..., Any], screenshot: Callable[[Any, str], Path]
) -> None:
    page = new_page(width=390, height=844)
    page.goto("/login")
    expect(page.get_by_role("button", name="Log in", exact=True).last).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "01-login-phone")


def test_bundle_is_code_split_by_route(webapp_dir: Path) -> None:
    assets = sorted(p.name for p in (webapp_dir / "assets").glob("*.js"))
    for page in ("ReviewPage", "StatsPage", "DecksPage", "AddPage", "BrowsePage"):
        assert any(name.startswith(page) for name in assets), f"{page} is not its own chunk"
    entry = next((webapp_dir / "assets").glob("index-*.js"))
    stats = next((webapp_dir / "assets").glob("StatsPage-*.js"))
    # The charting library loads with the stats page only, never on first paint.
    assert b"recharts" in stats.read_bytes().lower()
    assert b"recharts" not in entry.read_bytes().lower()
