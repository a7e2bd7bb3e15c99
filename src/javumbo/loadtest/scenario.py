"""What one simulated user does, and how its answers are checked against what was applied.

Each user registers, logs in, starts a session, creates a deck and M cards, answers M cards
(each answer once, under its own ``Idempotency-Key``, retried on failures) and flushes. The
user keeps count of the answers it sent and of those the API acknowledged, so a check can then
tell an acknowledged answer that was lost from an unknown outcome (sent, never acknowledged:
applied or not, both are fine, but never twice).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from javumbo.loadtest.client import Answer, UserClient

PASSWORD = "load-test-password-1"
DECK_NAME = "Load test"


@dataclass
class UserOutcome:
    username: str
    completed: bool = False
    flushed: bool = False
    error: str | None = None
    deck_id: int | None = None
    sent: Counter[int] = field(default_factory=Counter)
    acknowledged: Counter[int] = field(default_factory=Counter)
    unanswered: int = 0


def run_user(client: UserClient, outcome: UserOutcome, cards: int) -> None:
    """The scenario for one user; raises on a failure that ends it (recorded by the caller)."""
    rng = client.rng
    answer = client.call(
        "POST",
        "/register",
        {"username": outcome.username, "password": PASSWORD},
        idempotency_key=uuid.uuid4().hex,
        final_statuses=(409,),  # exists: an earlier attempt got through
    )
    expect(answer, "register", ok=(200, 201, 409))
    log_in(client, outcome.username)
    started = expect(
        client.call("POST", "/api/session/start", {}, idempotency_key=uuid.uuid4().hex),
        "session start",
    )
    client.session_id = started.get("session_id") or client.session_id
    deck = expect(
        client.call("POST", "/api/decks", {"name": DECK_NAME}, idempotency_key=uuid.uuid4().hex),
        "create deck",
    )
    deck_id = deck.get("id")
    if not isinstance(deck_id, int):
        # A retried create whose first run was already flushed out of the journal is
        # acknowledged without its result: find the deck by name instead.
        listing = expect(client.call("GET", "/api/decks"), "list decks")
        deck_id = find_deck(listing, DECK_NAME)
        if deck_id is None:
            raise RuntimeError(f"deck {DECK_NAME!r} created but not listed")
    outcome.deck_id = deck_id
    created: list[int] = []
    for index in range(cards):
        card = expect(
            client.call(
                "POST",
                "/api/cards",
                {"deck_id": deck_id, "front": f"question {index}", "back": f"answer {index}"},
                idempotency_key=uuid.uuid4().hex,
            ),
            "create card",
        )
        created.extend(card_ids(card))
    for _ in range(cards):
        queue = expect(
            client.call("GET", f"/api/review/{deck_id}", route="/api/review/<deck_id>"),
            "review queue",
        )
        card_id = next_card(queue, outcome.sent, created)
        if card_id is None:
            outcome.unanswered += 1
            continue
        outcome.sent[card_id] += 1
        answer = client.call(
            "POST",
            "/api/review",
            {"card_id": card_id, "rating": rng.randint(1, 4), "time_ms": rng.randint(800, 9000)},
            idempotency_key=uuid.uuid4().hex,
        )
        if answer is not None and answer.ok:
            outcome.acknowledged[card_id] += 1
    flushed = client.call(
        "POST",
        "/api/session/flush",
        {"session_id": client.session_id},
        idempotency_key=uuid.uuid4().hex,
    )
    outcome.flushed = flushed is not None and flushed.ok
    outcome.completed = True


def log_in(client: UserClient, username: str) -> None:
    """Log ``client`` in as ``username`` (it keeps the token for its next requests)."""
    answer = client.call(
        "POST",
        "/login",
        {"username": username, "password": PASSWORD},
        idempotency_key=uuid.uuid4().hex,
    )
    token = expect(answer, "login").get("token")
    if not isinstance(token, str):
        raise RuntimeError("login answered no token")
    client.token = token


def expect(answer: Answer | None, what: str, *, ok: tuple[int, ...] = (200, 201)) -> dict[str, Any]:
    """The JSON object of an answer with an expected status; raises otherwise."""
    if answer is None:
        raise RuntimeError(f"{what}: no answer (connection failed on every attempt)")
    if answer.status not in ok:
        raise RuntimeError(f"{what}: HTTP {answer.status} {answer.body[:200]!r}")
    body = answer.json()
    return body if isinstance(body, dict) else {}


def find_deck(listing: Any, name: str) -> int | None:
    """The id of the deck called ``name`` in a deck listing (a list or tree, any nesting)."""
    if isinstance(listing, dict):
        if listing.get("name") == name and isinstance(listing.get("id"), int):
            return int(listing["id"])
        nested: Any = list(listing.values())
    elif isinstance(listing, list):
        nested = listing
    else:
        return None
    for item in nested:
        found = find_deck(item, name)
        if found is not None:
            return found
    return None


def card_ids(body: dict[str, Any]) -> list[int]:
    if isinstance(body.get("card_ids"), list):
        return [int(c) for c in body["card_ids"]]
    for key in ("card_id", "id"):
        if isinstance(body.get(key), int):
            return [int(body[key])]
    return []


def next_card(queue: dict[str, Any], sent: Counter[int], created: list[int]) -> int | None:
    """The first queued card not answered yet; else a created one not answered yet."""
    for card in queue.get("cards") or []:
        card_id = card.get("card_id") if isinstance(card, dict) else None
        if isinstance(card_id, int) and card_id not in sent:
            return card_id
    return next((card_id for card_id in created if card_id not in sent), None)


def compare_answers(
    outcome: UserOutcome, applied: Counter[int]
) -> tuple[list[int], dict[int, int]]:
    """Cards whose acknowledged answer was not applied, and cards with more answers applied
    than sent (an answer whose outcome is unknown may be applied 0 or 1 times, never 2).
    ``applied`` counts answers per card as the server holds them."""
    lost = [c for c, n in outcome.acknowledged.items() if applied[c] < n]
    duplicated = {c: n - outcome.sent[c] for c, n in applied.items() if n > outcome.sent[c]}
    return lost, duplicated
