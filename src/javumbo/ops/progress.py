"""A one-line progress bar on a terminal, plain lines elsewhere (logs stay readable)."""

from __future__ import annotations

import time
from typing import TextIO

BAR_WIDTH = 30


class ProgressBar:
    def __init__(self, total: int, stream: TextIO, *, label: str = "", unit: str = "") -> None:
        self.total = max(0, total)
        self.stream = stream
        self.label = label
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()
        self.interactive = bool(getattr(stream, "isatty", lambda: False)())

    def advance(self, amount: int = 1, note: str = "") -> None:
        self.done = min(self.total, self.done + amount) if self.total else self.done + amount
        self._draw(note)

    def _draw(self, note: str) -> None:
        fraction = self.done / self.total if self.total else 1.0
        filled = round(fraction * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        counts = f"{self.done}/{self.total}{self.unit}"
        line = f"{self.label}[{bar}] {fraction:4.0%} {counts} {note}".rstrip()
        if self.interactive:
            self.stream.write("\r\x1b[2K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            elapsed = time.monotonic() - self.started
            self.stream.write(f"  {elapsed:.1f}s\n")
            self.stream.flush()
