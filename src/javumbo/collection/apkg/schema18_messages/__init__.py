"""The protobuf messages of the schema-18 tables, one module each, with their reader (blob to
schema 11's JSON, as Anki's downgrade prints it) and their writer (schema 11's JSON to the blob,
as Anki's upgrade writes it). Each message's field numbers are named once, in its module, after
``proto/anki/*.proto`` in Anki's repository.

* :mod:`.notetype_config` (``notetypes.config``: Notetype.Config and its CardRequirement),
  :mod:`.field_config` (``fields.config``), :mod:`.template_config` (``templates.config``);
* :mod:`.deck_common` (``decks.common``), :mod:`.deck_kind` (``decks.kind``: a Normal or a
  Filtered deck), :mod:`.deck_normal` (with its DayLimit), :mod:`.deck_filtered` (with its
  SearchTerm);
* :mod:`.deck_config` (``deck_config.config``);
* :mod:`.scalars`: proto3 scalars read the way Rust reads them, and the ``other`` JSON keys.

The table-level work (which rows, names made unique, the DDL) is in ``schema18`` (reading) and
``schema18_writer`` (upgrading).
"""
