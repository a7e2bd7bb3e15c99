/** The preset a deck uses, chosen among all presets (with how many decks use each), and the
 * preset actions of Anki's options screen: add, clone, rename, delete. */
import type { Preset } from "./api";

interface PresetPickerProps {
  presets: Preset[];
  selected: Preset;
  busy: boolean;
  onSelect: (id: number) => void;
  onAdd: () => void;
  onClone: () => void;
  onRename: () => void;
  onDelete: () => void;
}

export function PresetPicker({ presets, selected, busy, onSelect, onAdd, onClone, onRename, onDelete }: PresetPickerProps) {
  return (
    <div className="panel deck-options-presets">
      <label className="field">
        <span>Preset</span>
        <select aria-label="Preset" value={selected.id} onChange={(e) => onSelect(Number(e.target.value))}>
          {presets.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} (used by {p.use_count} deck{p.use_count === 1 ? "" : "s"})
            </option>
          ))}
        </select>
      </label>
      <div className="toolbar">
        <button type="button" className="button button--small" onClick={onAdd} disabled={busy}>
          Add preset
        </button>
        <button type="button" className="button button--small" onClick={onClone} disabled={busy}>
          Clone preset
        </button>
        <button type="button" className="button button--small" onClick={onRename} disabled={busy}>
          Rename preset
        </button>
        <button type="button" className="button button--small button--danger" onClick={onDelete} disabled={busy || selected.id === 1}>
          Delete preset
        </button>
      </div>
    </div>
  );
}
