"""Answer-button labels ("<1m", "10m", "4d", "1.2mo", "2y") as Anki's ``timespan.rs`` writes
them in English."""

from __future__ import annotations

from javumbo.collection.scheduler.fuzz import f32, round_half_away

_MINUTE = 60.0
_HOUR = 3600.0
_DAY = 86_400.0
_MONTH = f32(30.417 * _DAY)
_YEAR = 365.0 * _DAY


def _number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.1f}".rstrip("0").rstrip(".")


def answer_button_time(seconds: int) -> str:
    secs = abs(float(seconds))
    if secs < _MINUTE:
        return f"{round_half_away(seconds)}s"
    if secs < _HOUR:
        return f"{round_half_away(seconds / _MINUTE)}m"
    if secs < _DAY:
        return f"{_number(round_half_away(seconds / _HOUR * 10) / 10)}h"
    if secs < _MONTH:
        return f"{round_half_away(seconds / _DAY)}d"
    if secs < _YEAR:
        return f"{_number(round_half_away(seconds / _MONTH * 10) / 10)}mo"
    return f"{_number(round_half_away(seconds / _YEAR * 10) / 10)}y"


def answer_button_label(seconds: int, collapse_secs: int) -> str:
    """Times within the learn-ahead limit read "<10m"; zero reads "(end)" as Anki's
    ``scheduling-end`` (a preview finished: the card goes home)."""
    if seconds == 0:
        return "(end)"
    label = answer_button_time(seconds)
    return f"<{label}" if seconds < collapse_secs else label
