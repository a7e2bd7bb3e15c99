"""Anki's interval fuzz, reproduced bit for bit.

Anki seeds Rust's ``StdRng`` (ChaCha12, seeded through PCG32 by ``seed_from_u64``) with
``card id + reps`` and draws one number per answer. Reproducing that generator (rather than
using Python's ``random``) gives the very same intervals and learning due times Anki would
choose, which is what lets the tests compare us with Anki exactly instead of "within a range".
"""

from __future__ import annotations

import math
import struct
from functools import lru_cache

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
_PCG_MUL = 6364136223846793005
_PCG_INC = 11634580027462260723
_CHACHA_CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)
_CHACHA_ROUNDS = 12

# (start, end, factor): days of the interval inside each range widen the fuzz by ``factor``.
_FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))
_LEARNING_FUZZ_SHARE = 0.25
_LEARNING_FUZZ_MAX_SECS = 300.0


def f32(value: float) -> float:
    """Round to single precision, as Anki's scheduler computes intervals in ``f32``."""
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


# Where Rust's ``as u32`` saturates: an infinite interval (FSRS asked for a retention of 0)
# becomes what Anki makes of it instead of failing the answer.
_SATURATED = 2**32 - 1


def saturating_int(value: float) -> int:
    """Rust's ``value as u32`` for the values that are not numbers: infinity saturates, NaN is
    0; a finite value is cut towards zero."""
    if math.isnan(value):
        return 0
    if math.isinf(value):
        return _SATURATED if value > 0 else 0
    return int(value)


def round_half_away(value: float) -> int:
    """Rust's ``f32::round`` (halves away from zero); Python's ``round`` rounds halves to even.
    Cast as Rust casts: infinities saturate, NaN is 0."""
    if not math.isfinite(value):
        return saturating_int(value)
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def _pcg32_key(seed: int) -> list[int]:
    """The 32-byte key ``rand_core::SeedableRng::seed_from_u64`` derives from a u64."""
    state = seed & _MASK64
    words = []
    for _ in range(8):
        state = (state * _PCG_MUL + _PCG_INC) & _MASK64
        xorshifted = (((state >> 18) ^ state) >> 27) & _MASK32
        rot = state >> 59
        words.append(((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & _MASK32)
    return words


_QUARTER_ROUNDS = (
    (0, 4, 8, 12),
    (1, 5, 9, 13),
    (2, 6, 10, 14),
    (3, 7, 11, 15),
    (0, 5, 10, 15),
    (1, 6, 11, 12),
    (2, 7, 8, 13),
    (3, 4, 9, 14),
)


def _chacha12_first_word(key: list[int]) -> int:
    """The first 32-bit output of ChaCha12 (counter 0, nonce 0): the first ``next_u32``."""
    x = [*_CHACHA_CONSTANTS, *key, 0, 0, 0, 0]
    m = _MASK32
    for _ in range(_CHACHA_ROUNDS // 2):
        for a, b, c, d in _QUARTER_ROUNDS:
            xa, xb, xc, xd = x[a], x[b], x[c], x[d]
            xa = (xa + xb) & m
            xd ^= xa
            xd = ((xd << 16) & m) | (xd >> 16)
            xc = (xc + xd) & m
            xb ^= xc
            xb = ((xb << 12) & m) | (xb >> 20)
            xa = (xa + xb) & m
            xd ^= xa
            xd = ((xd << 8) & m) | (xd >> 24)
            xc = (xc + xd) & m
            xb ^= xc
            xb = ((xb << 7) & m) | (xb >> 25)
            x[a], x[b], x[c], x[d] = xa, xb, xc, xd
    return (x[0] + _CHACHA_CONSTANTS[0]) & m


@lru_cache(maxsize=256)
def first_random_u32(seed: int) -> int:
    return _chacha12_first_word(_pcg32_key(seed))


def fuzz_seed(card_id: int, reps: int) -> int:
    """Anki's seed: the card id plus its answer count before this answer (wrapping u64)."""
    return (card_id + reps) & _MASK64


def fuzz_factor(seed: int) -> float:
    """``StdRng::seed_from_u64(seed).gen_range(0.0..1.0)`` as an f32 in [0, 1)."""
    return (first_random_u32(seed) >> 9) / float(1 << 23)


def learning_fuzz_secs(seed: int, secs: int) -> int:
    """Up to 25% more (at most 5 minutes) on a learning step: ``gen_range(secs..upper)``."""
    upper_exclusive = secs + math.floor(min(f32(secs * _LEARNING_FUZZ_SHARE), 300.0))
    if secs >= upper_exclusive:
        return secs
    span = upper_exclusive - secs
    return secs + ((first_random_u32(seed) * span) >> 32)


def _fuzz_delta(interval: float) -> float:
    if interval < 2.5:
        return 0.0
    delta = 1.0
    for start, end, factor in _FUZZ_RANGES:
        delta += factor * max(min(interval, end) - start, 0.0)
    return f32(delta)


def constrained_fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """The inclusive range of days the fuzzed interval is picked from, within [min, max]."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, float(minimum)), float(maximum))
    delta = _fuzz_delta(interval)
    lower = min(max(round_half_away(f32(interval - delta)), minimum), maximum)
    upper = min(max(round_half_away(f32(interval + delta)), minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def with_review_fuzz(factor: float | None, interval: float, minimum: int, maximum: int) -> int:
    """A review interval in days: picked from the fuzz range by ``factor`` (None: no fuzz)."""
    if factor is None:
        return min(max(round_half_away(interval), minimum), maximum)
    lower, upper = constrained_fuzz_bounds(interval, minimum, maximum)
    return math.floor(f32(lower + f32(factor * (1 + upper - lower))))
