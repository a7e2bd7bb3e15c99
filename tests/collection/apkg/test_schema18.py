"""The schema-18 reader gives the same JSON as Anki's own downgrade to schema 11: the fixture
``sample_current.apkg`` holds the very collection that ``sample_schema11.anki2`` is."""

from __future__ import annotations

import json
import math
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
import zstandard

from javumbo.collection.apkg import PackageError
from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg.source import SourceCollection


def _anki_downgraded(anki_fixtures: Path) -> dict[str, Any]:
    db = sqlite3.connect(anki_fixtures / "sample_schema11.anki2")
    try:
        row = db.execute("select models, decks, dconf from col").fetchone()
    finally:
        db.close()
    return dict(zip(("models", "decks", "dconf"), (json.loads(v) for v in row), strict=True))


def _current_source(anki_fixtures: Path, tmp_path: Path) -> SourceCollection:
    with zipfile.ZipFile(anki_fixtures / "sample_current.apkg") as zf:
        raw = zstandard.ZstdDecompressor().decompress(
            zf.read("collection.anki21b"), max_output_size=64 << 20
        )
    path = tmp_path / "c18.anki2"
    path.write_bytes(raw)
    return SourceCollection(path)


def test_schema18_json_matches_ankis_own_downgrade(anki_fixtures: Path, tmp_path: Path) -> None:
    anki = _anki_downgraded(anki_fixtures)
    source = _current_source(anki_fixtures, tmp_path)
    try:
        assert source.version == 18
        shared = set(source.models) & set(anki["models"])
        assert len(shared) >= 3
        for mid in shared:
            assert source.models[mid] == anki["models"][mid]
        assert source.decks == anki["decks"]
        assert source.dconf == anki["dconf"]
        assert source.conf["schedVer"] == 2
    finally:
        source.close()


def test_protobuf_round_trip_and_signed_values() -> None:
    msg = pb.message(
        [
            pb.varint_field(1, 300),
            pb.bytes_field(2, "héllo".encode()),
            pb.varint_field(3, -5),
            pb.bytes_field(4, pb.message([pb.varint_field(1, 7)])),
        ]
    )
    fields = pb.decode(msg)
    assert pb.get_int(fields, 1) == 300
    assert pb.get_str(fields, 2) == "héllo"
    assert pb.get_sint(fields, 3) == -5
    assert pb.get_int(pb.get_message(fields, 4), 1) == 7
    assert pb.get_int(fields, 99, 42) == 42


@pytest.mark.parametrize(
    "raw", [b"\x0a\x05ab", b"\x08", b"\x0b\x00", b"\x00\x01", b"\x08" + b"\xff" * 11]
)
def test_malformed_protobuf_is_a_package_error(raw: bytes) -> None:
    with pytest.raises(PackageError, match="protobuf"):
        pb.decode(raw)


@pytest.mark.parametrize(
    ("single", "printed"),
    [
        (0.1, 0.1),
        (0.87, 0.87),
        (123456789.0, 123456790.0),
        (1.2345678, 1.2345678),
        (1e-45, 1e-45),  # the smallest subnormal
        (3.4028234663852886e38, 3.4028235e38),  # the largest f32
        (-2.5, -2.5),
        (0.0, 0.0),
    ],
)
def test_shortest_float32_prints_an_f32_as_rust_does(single: float, printed: float) -> None:
    value = pb.to_float32(single)
    assert pb.shortest_float32(value) == printed
    assert pb.to_float32(pb.shortest_float32(value)) == value


def test_shortest_float32_leaves_non_finite_values_alone() -> None:
    assert pb.shortest_float32(float("inf")) == float("inf")
    assert math.isnan(pb.shortest_float32(float("nan")))
