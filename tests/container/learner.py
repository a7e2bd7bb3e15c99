"""A learner over real HTTP against a running Javumbo: register, study, read the answers back."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable

import requests

PASSWORD = "correct horse battery staple"


def wait_until_healthy(
    url: str, deadline_seconds: float, alive: Callable[[], bool] = lambda: True
) -> None:
    """Poll ``/health`` until it answers 200; ``RuntimeError`` if ``alive()`` turns false."""
    deadline = time.monotonic() + deadline_seconds
    last: object = None
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server stopped before {url} was healthy (last: {last!r})")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
                last = response.status
        except (OSError, urllib.error.HTTPError) as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url}/health not ready after {deadline_seconds}s (last: {last!r})")


class Learner:
    def __init__(self, url: str, username: str) -> None:
        self.url = url
        self.username = username
        self.http = requests.Session()

    def register(self) -> None:
        answer = self.http.post(f"{self.url}/register", json=self._credentials(), timeout=20)
        assert answer.status_code == 201, answer.text

    def login(self) -> None:
        answer = self.http.post(f"{self.url}/login", json=self._credentials(), timeout=20)
        assert answer.status_code == 200, answer.text
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        started = self.http.post(f"{self.url}/api/session/start", timeout=20)
        assert started.status_code in (200, 201), started.text
        self.http.headers["X-Session-ID"] = started.json()["session_id"]

    def study(self, deck_name: str, cards: int, answers: int) -> int:
        """A deck of ``cards`` new cards, ``answers`` of them answered Good; its id."""
        deck = self.http.post(f"{self.url}/api/decks", json={"name": deck_name}, timeout=20)
        assert deck.status_code == 201, deck.text
        deck_id = int(deck.json()["id"])
        for index in range(cards):
            card = {"deck_id": deck_id, "front": f"q{index}", "back": f"a{index}"}
            made = self.http.post(f"{self.url}/api/cards", json=card, timeout=20)
            assert made.status_code == 201, made.text
        answered: set[int] = set()
        while len(answered) < answers:
            queue = self.http.get(f"{self.url}/api/review/{deck_id}", timeout=20)
            assert queue.status_code == 200, queue.text
            fresh = [c for c in queue.json()["cards"] if c["card_id"] not in answered]
            assert fresh, f"the queue ran dry after {len(answered)} answers"
            answer = {"card_id": fresh[0]["card_id"], "rating": 3, "time_ms": 2000}
            reply = self.http.post(f"{self.url}/api/review", json=answer, timeout=20)
            assert reply.status_code == 200, reply.text
            answered.add(fresh[0]["card_id"])
        return deck_id

    def reps(self, deck_id: int) -> list[int]:
        """Each card's number of reviews, as the server has them."""
        page = self.http.get(
            f"{self.url}/api/cards", params={"deck_id": deck_id, "page_size": 500}, timeout=20
        )
        assert page.status_code == 200, page.text
        return sorted(int(row["reps"]) for row in page.json()["cards"])

    def _credentials(self) -> dict[str, str]:
        return {"username": self.username, "password": PASSWORD}
