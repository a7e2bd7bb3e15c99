"""What Anki's Reset (forget) and Set Due Date dialogs remember between uses, kept apart for
the reviewer and the browser under Anki's own config keys (``restorePositionReviewer``,
``resetCountsBrowser``, ``setDueReviewer``...), so real Anki starts from the same choice."""

from __future__ import annotations

from dataclasses import dataclass

from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError

DIALOG_CONTEXTS = ("reviewer", "browser")


@dataclass(frozen=True)
class ForgetChoice:
    """The options of Anki's Reset dialog, which Anki remembers apart for the reviewer and
    the browser (``restorePositionReviewer``, ``resetCountsBrowser``...)."""

    restore_position: bool = True
    reset_counts: bool = False


def _dialog_suffix(context: str) -> str:
    """The end of Anki's config keys: "Reviewer" or "Browser"."""
    if context not in DIALOG_CONTEXTS:
        raise ValidationError(f"context must be one of {', '.join(DIALOG_CONTEXTS)}")
    return context.capitalize()


def forget_keys(context: str) -> tuple[str, str]:
    """The config keys of the Reset dialog's two options in ``context``."""
    suffix = _dialog_suffix(context)
    return f"restorePosition{suffix}", f"resetCounts{suffix}"


def forget_choice(col: Collection, context: str) -> ForgetChoice:
    """The options the Reset dialog starts with: the last ones chosen there, else Anki's."""
    restore_key, reset_key = forget_keys(context)
    restore, reset = col.conf.get(restore_key), col.conf.get(reset_key)
    return ForgetChoice(
        restore_position=restore if isinstance(restore, bool) else True,
        reset_counts=reset if isinstance(reset, bool) else False,
    )


def due_days_choice(col: Collection, context: str) -> str:
    """What Anki's Set Due Date dialog starts with: the last days typed there, else Anki's
    "1" in the reviewer and "0" in the browser."""
    value = col.conf.get(due_days_key(context))
    if isinstance(value, str) and value:
        return value
    return "1" if context == "reviewer" else "0"


def due_days_key(context: str) -> str:
    """The config key of the Set Due Date dialog's days in ``context``."""
    return f"setDue{_dialog_suffix(context)}"


def remember_due_days(col: Collection, context: str, days: str) -> None:
    conf = dict(col.conf)
    conf[due_days_key(context)] = days
    col.save_json("conf", conf)


def remember_forget_choice(col: Collection, context: str, choice: ForgetChoice) -> None:
    restore_key, reset_key = forget_keys(context)
    conf = dict(col.conf)
    conf[restore_key] = choice.restore_position
    conf[reset_key] = choice.reset_counts
    col.save_json("conf", conf)
