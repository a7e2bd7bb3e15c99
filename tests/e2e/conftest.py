"""Browser tests: the real app (``javumbo serve`` on a free port, temp data folder) driven by
Playwright in Debian's Chromium (``/usr/bin/chromium``; no browser is ever downloaded).

Every page load collects console errors and uncaught page errors; a test fails on any. Pages are
saved as screenshots under ``tests/e2e/screenshots/`` on every run (gitignored).
"""

from __future__ import annotations

import importlib.util
import io
import math
import os
import shutil
import struct
import subprocess
import sys
import wave
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import free_port, wait_for_http

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = Path(os.environ.get("JAVUMBO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Cards show in sandboxed srcdoc frames, which Chromium puts in processes of their own; a
    # click sent right after Playwright scrolls was then routed by the frame's stale hit-test
    # area into the card frame instead of the button now under the pointer (Save lost).
    "--disable-features=IsolateSandboxedIframes",
    # A fake microphone (a test tone) that needs no permission prompt: the editor's Record audio.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
SERVER_START_TIMEOUT = 60.0
# The machine is shared with other test runs: give the page time before an assertion gives up.
EXPECT_TIMEOUT_MS = 15_000


def _build_webapp_module() -> Any:
    spec = importlib.util.spec_from_file_location("build_webapp", REPO / "tools/build_webapp.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: `apt-get install chromium` (make test does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def webapp_dir() -> Path:
    """The built app, rebuilt first if any source under web/ is newer."""
    if shutil.which("npm") is None and not (REPO / "src/javumbo/webapp/index.html").is_file():
        pytest.fail("npm is needed to build the web app for the browser tests")
    out: Path = _build_webapp_module().build(REPO, log=False)
    return out


@pytest.fixture(scope="session")
def app_url(webapp_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``javumbo serve`` on a free port with embedded backends in a fresh data folder."""
    data = tmp_path_factory.mktemp("e2e-data")
    port = free_port()
    env = {
        **os.environ,
        "JAVUMBO_DATA_DIR": str(data),
        "JAVUMBO_BACKEND": "embedded",
        "PYTHONUNBUFFERED": "1",
    }
    log = (data / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "javumbo", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=data,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(
            f"{url}/health", timeout=SERVER_START_TIMEOUT, ok=lambda s: s == 200, process=process
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


class ConsoleErrors:
    """Console errors and uncaught exceptions seen by one page."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.allowed: list[str] = []

    def allow(self, text: str) -> None:
        """Tolerates console errors containing ``text`` (a test that provokes them on purpose)."""
        self.allowed.append(text)

    def _console(self, msg: Any) -> None:
        if msg.type == "error" and not any(text in msg.text for text in self.allowed):
            self.messages.append(f"console: {msg.text}")

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.messages.append(f"pageerror: {exc}"))


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def new_page(
    browser: Any, console_errors: ConsoleErrors, app_url: str
) -> Iterator[Callable[..., Any]]:
    """``new_page(width=1280, height=860, dark=False)``: a page in a fresh browser context (no
    stored login) whose console is watched; the test fails on any console error."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 860, dark: bool = False) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=app_url,
            color_scheme="dark" if dark else "light",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        console_errors.attach(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert console_errors.messages == [], "the browser logged errors"


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Any, str], Path]:
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


# ----------------------------------------------------------------- a package made by real Anki


def png_bytes(width: int = 160, height: int = 100) -> bytes:
    """A small gradient PNG, big enough to see in a screenshot."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows += bytes((40 + 200 * x // width, 90 + 120 * y // height, 200, 255))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def wav_bytes(seconds: float = 0.3, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))
        )
        wav.writeframes(frames)
    return out.getvalue()


@pytest.fixture(scope="session")
def anki_apkg_with_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An .apkg exported by the real ``anki`` package: deck "Imported::Pictures", one Basic note
    whose front shows ``sunset.png`` and plays ``beep.wav``."""
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ExportAnkiPackageOptions

    work = tmp_path_factory.mktemp("anki-made")
    (work / "sunset.png").write_bytes(png_bytes())
    (work / "beep.wav").write_bytes(wav_bytes())
    col = AnkiCollection(str(work / "collection.anki2"))
    try:
        image = col.media.add_file(str(work / "sunset.png"))
        sound = col.media.add_file(str(work / "beep.wav"))
        deck_id = col.decks.id("Imported::Pictures")
        assert deck_id is not None
        note = col.new_note(col.models.by_name("Basic"))  # type: ignore[arg-type]
        note["Front"] = f'What colour is this? <img src="{image}"> [sound:{sound}]'
        note["Back"] = "Blue and green"
        col.add_note(note, deck_id)
        out = work / "pictures.apkg"
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(
                with_scheduling=False, with_deck_configs=False, with_media=True, legacy=True
            ),
            limit=None,
        )
    finally:
        col.close()
    return out
