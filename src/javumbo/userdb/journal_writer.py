"""Journaling each write before it commits: the before-commit hook that appends the
transaction's row changes with the fence, spills of changes too large for one entry, and the
answers to retried writes (idempotency keys). See ``docs/storage-engine.md``."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from javumbo.collection import Collection
from javumbo.stores.ports import MAX_IDEMPOTENCY_RESULT_BYTES, StoreError
from javumbo.userdb import names
from javumbo.userdb.changes import decode_entry, encode_change, encode_spill_pointer
from javumbo.userdb.errors import InconsistentStoreError
from javumbo.userdb.parts import EngineParts
from javumbo.userdb.working_copy import WorkingCopy, WriteContext

log = logging.getLogger(__name__)

T = TypeVar("T")
_MAX_RESULT_BYTES = 4096


@dataclass(frozen=True)
class AlreadyApplied(Generic[T]):
    """A write whose idempotency key was already used: it was not applied again."""

    seq: int
    result: Any = None


class JournalWriter:
    def __init__(self, parts: EngineParts) -> None:
        self.parts = parts

    def run(
        self, copy: WorkingCopy, fn: Callable[[Collection], T], idempotency_key: str | None
    ) -> tuple[T, bool]:
        """``fn``'s result in one transaction, and whether the transaction was journaled.

        Raises what the append raised (a lost fence, a used key) after rolling back."""
        context = copy.write = WriteContext(idempotency_key)
        try:
            with copy.col.transaction():
                result = fn(copy.col)
                if idempotency_key is not None:
                    context.result = _small_json(result)
            return result, context.appended
        finally:
            copy.write = None
            copy.appended_uncommitted = False

    def journal_commit(self, copy: WorkingCopy) -> None:
        """Before-commit hook: journal the transaction or make it roll back."""
        if copy.capture.replaying:
            return
        parts = self.parts
        copy.appended_uncommitted = False
        change = copy.capture.collect()
        context = copy.write
        key = context.idempotency_key if context is not None else None
        if change.is_empty and key is None:
            return
        result = context.result if context is not None else None
        payload = encode_change(change, result)
        if len(payload) > parts.limits.max_entry_bytes:
            payload = self._spill(copy, payload, result)
        parts.counters.add("meta_writes")
        seq = parts.meta.append_journal(
            copy.user_id,
            copy.applied_seq,
            payload,
            key,
            parts.clock.now(),
            idempotency_result=small_result_bytes(result) if key is not None else None,
        )
        parts.counters.add("journal_appends")
        parts.counters.add("journal_bytes", len(payload))
        copy.applied_seq = seq
        copy.journal_bytes += len(payload)
        copy.appended_uncommitted = True
        if context is not None:
            context.appended = True
        copy.capture.committed()

    def _spill(self, copy: WorkingCopy, payload: bytes, result: Any) -> bytes:
        key = names.spill_key(copy.user_id, copy.applied_seq + 1, uuid.uuid4().hex)
        self.parts.blobs.put(key, payload)
        self.parts.counters.add("spills")
        copy.flush_wanted = True
        copy.saw_spill = True
        return encode_spill_pointer(key, result)

    def note_reload(self, copy: WorkingCopy) -> None:
        """After-reload hook: a reload while an append is uncommitted means the commit failed
        after the journal took the entry, so the copy is now behind its own applied_seq."""
        if copy.appended_uncommitted:
            copy.broken = True
            copy.appended_uncommitted = False

    # ------------------------------------------------------------------ idempotency answers

    def already_applied(self, copy: WorkingCopy, key: str) -> AlreadyApplied[Any] | None:
        self.parts.counters.add("meta_reads")
        seq = self.parts.meta.find_idempotency_key(copy.user_id, key)
        if seq is None:
            return None
        return self.applied_at(copy, key, seq)

    def already_applied_after_failure(
        self, copy: WorkingCopy, key: str, failure: Exception
    ) -> AlreadyApplied[Any] | None:
        """``fn`` failed before any append: if its key was used, the failure comes from the
        first run's effects (a retried delete finds nothing to delete) and the retry is
        answered as applied. If the lookup itself fails, the original failure stands."""
        try:
            return self.already_applied(copy, key)
        except StoreError:
            log.warning("looking up %s's idempotency key after %r failed", copy.user_id, failure)
            return None

    def applied_at(self, copy: WorkingCopy, key: str, seq: int | None) -> AlreadyApplied[Any]:
        """The answer to a retry of the write journaled at ``seq`` with ``key``."""
        parts = self.parts
        if seq is None:  # the adapter could not say where: ask once more
            parts.counters.add("meta_reads")
            seq = parts.meta.find_idempotency_key(copy.user_id, key)
            if seq is None:
                raise InconsistentStoreError(f"idempotency key {key!r} is used and unknown")
        parts.counters.add("meta_reads")
        kept = parts.meta.get_idempotency_result(copy.user_id, key)
        if kept is not None:  # kept with the key: still there after the entry was trimmed
            return AlreadyApplied(seq, json.loads(kept))
        result = None
        for entry in parts.read_journal(copy.user_id, seq - 1):  # keys used before results
            if entry.seq == seq:  # were kept with them
                result = decode_entry(entry.payload).result
            break
        return AlreadyApplied(seq, result)


def small_result_bytes(result: Any) -> bytes | None:
    """The result as stored with its idempotency key; None when there is none or when it is
    larger than a key may carry (a journaled write's result is also in its entry)."""
    if result is None:
        return None
    data = json.dumps(result, separators=(",", ":")).encode("utf-8")
    return data if len(data) <= MAX_IDEMPOTENCY_RESULT_BYTES else None


def _small_json(value: Any) -> Any:
    """``value`` if it is JSON-able and small (kept in the entry for idempotent retries)."""
    try:
        text = json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return value if len(text) <= _MAX_RESULT_BYTES else None
