"""Progress of long operator commands (migrate, backup, restore, package import and export) on
the terminal, drawn by rich; silent when the stream is not a terminal (logs, pipes and cron mail
stay clean) unless asked for (``enabled=True``: then the final state and the notes are printed
as plain lines).
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)


class TerminalProgress:
    """One task's bar. Use as a context manager; ``update`` (absolute), ``advance`` (relative)
    and ``note`` (a line above the bar) do nothing when the progress is disabled. Calling it as
    ``progress(done, total, stage)`` fits the package importer's and exporter's callback."""

    def __init__(
        self,
        description: str,
        *,
        total: int | None = None,
        unit: str = "items",
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = enabled if enabled is not None else bool(isatty and isatty())
        self.description = description
        amount = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            amount,
            TimeRemainingColumn(),
            console=Console(file=self.stream, stderr=self.stream is sys.stderr),
            disable=not self.enabled,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task(description, total=total)

    def __enter__(self) -> TerminalProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        description = f"{self.description} {stage}" if stage else self.description
        self._progress.update(self._task, completed=done, total=total, description=description)

    def advance(self, amount: int = 1) -> None:
        self._progress.advance(self._task, amount)

    def note(self, text: str) -> None:
        if self.enabled:
            self._progress.console.print(text, highlight=False, markup=False)

    def __call__(self, done: int, total: int, stage: str) -> None:
        self.update(done, total, stage)
