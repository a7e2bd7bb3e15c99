"""Keypress to next card in the real browser (``python -m bench web``).

Starts ``javumbo serve`` (embedded, temp data), makes a user with a deck of 40 new cards over the
HTTP API, opens the review page in Debian's Chromium (Playwright, ``/usr/bin/chromium``) and
answers 20 cards with the keyboard. For each answer it measures, inside the page, the time from
the keydown to the next card's question frame being shown, loaded and painted (two animation
frames), and
compares it with the same run's network round trips for ``POST /api/review`` (Resource Timing):
the review page shows the prefetched next card without waiting for the network, so the keypress
figure should sit well under one answer's round trip plus its refill.

Writes ``bench/results/bench_web.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from javumbo_testbed.emulator import free_port

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
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
]
CARDS = 40
ANSWERS = 20
RATINGS = (3, 1, 3, 4)  # a mix; learning cards stay within learn-ahead, so a next card exists
STAGE = ".card-stage"
SHOWN = "iframe.card-frame--shown"

# Runs in the page: stamps each keydown, then waits for the next card's iframe to load and paint.
MEASURE_JS = """
() => {
  window.__timings = [];
  window.__shown = [];
  let pending = null;
  // After the next paint: a task queued from the next animation frame runs once it has painted.
  const painted = (start) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => window.__timings.push(performance.now() - start);
    channel.port2.postMessage(null);
  });
  const ready = (start) => {
    window.__shown.push(performance.now() - start);
    painted(start);
  };
  const check = () => {
    if (!pending) return;
    const stage = document.querySelector('.card-stage');
    if (!stage || stage.dataset.cardId === pending.from) return;
    if (stage.dataset.side !== 'question') return;
    const frame = stage.querySelector('iframe.card-frame--shown');
    if (!frame) return;
    const start = pending.start;
    pending = null;
    if (frame.dataset.ready) ready(start);
    else frame.addEventListener('load', () => ready(start), { once: true });
  };
  addEventListener('keydown', (e) => {
    if (!['1', '2', '3', '4'].includes(e.key)) return;
    const stage = document.querySelector('.card-stage');
    pending = { start: performance.now(), from: stage && stage.dataset.cardId };
  }, true);
  new MutationObserver(check).observe(document.body, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ['data-card-id', 'class'],
  });
}
"""


def _call(url: str, method: str, body: Any = None, token: str | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("javumbo serve exited early")
        try:
            _call(f"{url}/health", "GET")
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("javumbo serve did not become healthy")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _seed(url: str) -> tuple[dict[str, Any], int]:
    _call(f"{url}/register", "POST", {"username": "bencher", "password": "bench password"})
    tokens = _call(f"{url}/login", "POST", {"username": "bencher", "password": "bench password"})
    token = tokens["access_token"]
    deck_id = int(_call(f"{url}/api/decks", "POST", {"name": "Bench"}, token)["id"])
    preset = {"config": {"new": {"perDay": CARDS}}}
    _call(f"{url}/api/decks/{deck_id}", "PUT", preset, token)
    for i in range(CARDS):
        front = f"<div class='q'>Question {i}</div>"
        card = {"deck_id": deck_id, "front": front, "back": f"Answer {i}"}
        _call(f"{url}/api/cards", "POST", card, token)
    # The login as the web app keeps it in localStorage (lib/auth.ts).
    auth = {
        "access_token": token,
        "refresh_token": tokens["refresh_token"],
        "username": tokens["username"],
    }
    return auth, deck_id


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "tools"))
    import build_webapp

    build_webapp.build(REPO, log=False)
    data = Path(tempfile.mkdtemp(prefix="bench-web-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "JAVUMBO_DATA_DIR": str(data), "JAVUMBO_BACKEND": "embedded"}
    process = subprocess.Popen(
        [sys.executable, "-m", "javumbo", "serve", "--port", str(port)],
        cwd=data,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(url, process)
        auth, deck_id = _seed(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 860})
            context.add_init_script(
                f"localStorage.setItem('javumbo.auth', {json.dumps(json.dumps(auth))})"
            )
            page = context.new_page()
            page.goto(f"/review/{deck_id}")
            page.locator('.card-stage[data-side="question"]').wait_for()
            page.evaluate(MEASURE_JS)
            for i in range(ANSWERS):
                page.locator(
                    '.card-stage[data-side="question"] iframe.card-frame--shown'
                ).wait_for()
                page.keyboard.press("Space")
                page.locator('.card-stage[data-side="answer"] iframe.card-frame--shown').wait_for()
                page.keyboard.press(str(RATINGS[i % len(RATINGS)]))
                page.wait_for_function("(n) => window.__timings.length >= n", arg=i + 1)
            timings: list[float] = page.evaluate("() => window.__timings")
            shown: list[float] = page.evaluate("() => window.__shown")
            network: list[float] = page.evaluate(
                """() => performance.getEntriesByType('resource')
                   .filter(e => e.name.endsWith('/api/review') && e.initiatorType === 'fetch')
                   .map(e => e.duration)"""
            )
            refills: list[float] = page.evaluate(
                """() => performance.getEntriesByType('resource')
                   .filter(e => e.name.includes('/api/review/') && e.initiatorType === 'fetch')
                   .map(e => e.duration)"""
            )
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=15)
        shutil.rmtree(data, ignore_errors=True)
    wait_without_prefetch = (
        statistics.median(network) + statistics.median(refills) if network and refills else None
    )
    return {
        "answers": len(timings),
        "keypress_to_frame_ready_ms": {
            "p50": statistics.median(shown),
            "p95": _percentile(shown, 0.95),
            "max": max(shown),
        },
        "keypress_to_next_card_ms": {
            "p50": statistics.median(timings),
            "p95": _percentile(timings, 0.95),
            "max": max(timings),
            "all": [round(t, 2) for t in timings],
        },
        "post_review_roundtrip_ms": {
            "p50": statistics.median(network) if network else None,
            "p95": _percentile(network, 0.95) if network else None,
            "count": len(network),
        },
        "get_next_cards_roundtrip_ms_p50": statistics.median(refills) if refills else None,
        "network_wait_without_prefetch_ms_p50": wait_without_prefetch,
    }


def main() -> None:
    if not CHROMIUM.is_file():
        print(f"bench_web: {CHROMIUM} missing (apt-get install chromium); skipped")
        return
    result = run()
    key = result["keypress_to_next_card_ms"]
    ready = result["keypress_to_frame_ready_ms"]
    net = result["post_review_roundtrip_ms"]
    print(f"keypress -> next card, {result['answers']} answers in Chromium:")
    print(
        f"  on screen (frame shown and loaded): p50 {ready['p50']:.1f} ms"
        f"   p95 {ready['p95']:.1f} ms   max {ready['max']:.1f} ms"
    )
    print(
        f"  painted (after the next frame):     p50 {key['p50']:.1f} ms"
        f"   p95 {key['p95']:.1f} ms   max {key['max']:.1f} ms"
    )
    if net["p50"] is not None:
        print(
            f"the network a keypress does not wait for: POST /api/review p50 {net['p50']:.1f} ms"
            f" + GET next cards p50 {result['get_next_cards_roundtrip_ms_p50']:.1f} ms"
            f" = {result['network_wait_without_prefetch_ms_p50']:.1f} ms"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_web.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
