"""Package import/export cost (``python -m bench packages``).

A 10,000-note package with 200 small media files is generated with the ``anki`` package; then
Javumbo and Anki each import it into a fresh collection and export it again (legacy .apkg with
media). Every step runs in its own subprocess so that time and peak RSS are the step's alone;
Javumbo's steps also report the peak of Python's heap (tracemalloc). A second package with 200
media files 100x bigger shows that memory does not grow with the media (files are streamed).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

NOTES = 10_000
MEDIA_FILES = 200


def build_package(out: Path, media_bytes: int) -> None:
    """An Anki collection of NOTES Basic notes, every 50th showing one of MEDIA_FILES images,
    exported by Anki as a legacy .apkg with media."""
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ExportAnkiPackageOptions

    work = out.parent / f"{out.stem}-anki"
    work.mkdir()
    acol = AnkiCollection(str(work / "collection.anki2"))
    try:
        names = []
        for i in range(MEDIA_FILES):
            payload = (f"media {i} ".encode() * (media_bytes // 8 + 1))[:media_bytes]
            names.append(acol.media.write_data(f"img{i:03d}.png", payload))
        basic = acol.models.by_name("Basic")
        did = acol.decks.id("Bench")
        batch = []
        for i in range(NOTES):
            note = acol.new_note(basic)
            note["Front"] = f"front {i}"
            back = f"back {i}"
            if i % (NOTES // MEDIA_FILES) == 0:
                back += f' <img src="{names[i // (NOTES // MEDIA_FILES)]}">'
            note["Back"] = back
            batch.append(note)
        from anki.collection import AddNoteRequest

        acol.add_notes([AddNoteRequest(note=n, deck_id=did) for n in batch])
        acol.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=True, with_media=True, legacy=True
            ),
            limit=None,
        )
    finally:
        acol.close()


# ------------------------------------------------------------------ the measured steps


def javumbo_import(package: Path, work: Path) -> dict[str, Any]:
    from javumbo.collection import Collection
    from javumbo.collection.apkg import import_apkg

    col = Collection.create(work / "j.anki2")
    try:
        report = import_apkg(col, package, media_dir=work / "j.media")
    finally:
        col.close()
    return {"notes": report.notes_added, "media": report.media_added}


def javumbo_export(package: Path, work: Path) -> dict[str, Any]:
    from javumbo.collection import Collection
    from javumbo.collection.apkg import export_apkg

    col = Collection.open(work / "j.anki2")
    try:
        report = export_apkg(col, work / "j-out.apkg", media_dir=work / "j.media")
    finally:
        col.close()
    return {"notes": report.notes, "media": report.media, "bytes": report.bytes}


def anki_import(package: Path, work: Path) -> dict[str, Any]:
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    (work / "a").mkdir(exist_ok=True)
    acol = AnkiCollection(str(work / "a" / "a.anki2"))
    try:
        acol.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(package),
                options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
            )
        )
        notes = acol.note_count()
    finally:
        acol.close()
    return {"notes": notes}


def anki_export(package: Path, work: Path) -> dict[str, Any]:
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ExportAnkiPackageOptions

    acol = AnkiCollection(str(work / "a" / "a.anki2"))
    try:
        count = acol.export_anki_package(
            out_path=str(work / "a-out.apkg"),
            options=ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=True, with_media=True, legacy=True
            ),
            limit=None,
        )
    finally:
        acol.close()
    return {"notes": count, "bytes": (work / "a-out.apkg").stat().st_size}


STEPS = {
    "javumbo_import": javumbo_import,
    "javumbo_export": javumbo_export,
    "anki_import": anki_import,
    "anki_export": anki_export,
}


def peak_rss_mb() -> float:
    """This process's RSS high-water mark. ``VmHWM`` belongs to the address space made at exec;
    ``ru_maxrss`` would include the parent's peak on Linux (it survives fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_step(name: str, package: Path, work: Path, trace: bool) -> dict[str, Any]:
    """In the child process: the step's wall time and peak RSS, or (``trace``) the peak of
    Python's heap, measured in a separate run because tracemalloc slows Python down."""
    if name.startswith("anki"):
        import anki.collection  # noqa: F401  (import cost is not the step's)
    else:
        import javumbo.collection.apkg  # noqa: F401
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    result = STEPS[name](package, work)
    result["seconds"] = time.perf_counter() - start
    if trace:
        result["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result["rss_peak_mb"] = peak_rss_mb()
    return result


def in_subprocess(name: str, package: Path, work: Path, *, trace: bool = False) -> dict[str, Any]:
    step = ["--step", name, str(package), str(work)] + (["--trace"] if trace else [])
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_packages", *step],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed: {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure(label: str, media_bytes: int, root: Path) -> dict[str, dict[str, Any]]:
    folder = root / label
    folder.mkdir()
    package = folder / "bench.apkg"
    started = time.perf_counter()
    build_package(package, media_bytes)
    print(
        f"  [{label}] package: {NOTES:,} notes, {MEDIA_FILES} media x {media_bytes:,} B,"
        f" {package.stat().st_size / 2**20:.1f} MB, built by anki in"
        f" {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    results: dict[str, dict[str, Any]] = {}
    for name in STEPS:
        results[name] = in_subprocess(name, package, folder)
        if name.startswith("javumbo"):
            traced = in_subprocess(name, package, folder / "traced", trace=True)
            results[name]["heap_peak_mb"] = traced["heap_peak_mb"]
    for kind in ("import", "export"):
        ours, theirs = results[f"javumbo_{kind}"], results[f"anki_{kind}"]
        print(
            f"  [{label}] {kind:<6} javumbo {ours['seconds'] * 1000:7.0f} ms,"
            f" RSS {ours['rss_peak_mb']:5.0f} MB, heap peak {ours['heap_peak_mb']:5.1f} MB"
            f" | anki {theirs['seconds'] * 1000:7.0f} ms, RSS {theirs['rss_peak_mb']:5.0f} MB"
            f" | time ratio {ours['seconds'] / theirs['seconds']:.2f}x",
            flush=True,
        )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--step", nargs=3, metavar=("NAME", "PACKAGE", "WORK"))
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args(argv if argv is not None else [])
    if args.step:
        name, package, work = args.step
        Path(work).mkdir(exist_ok=True)
        print(json.dumps(run_step(name, Path(package), Path(work), args.trace)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-packages-") as tmp:
        small = measure("small media", 2_000, Path(tmp))
        big = measure("big media", 200_000, Path(tmp))
    for kind in ("import", "export"):
        a = small[f"javumbo_{kind}"]["heap_peak_mb"]
        b = big[f"javumbo_{kind}"]["heap_peak_mb"]
        print(
            f"  javumbo {kind} heap peak: {a:.1f} MB with 0.4 MB of media,"
            f" {b:.1f} MB with 40 MB of media (media streamed: {b - a:+.1f} MB)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
