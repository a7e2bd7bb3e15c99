/** Tools → Manage Note Types: the note types with how many notes each has; add one (a stock
 * kind or a copy), rename, delete (saying how many notes go), and edit fields, card templates
 * and styling. */
import { useState } from "react";
import { api, unwrap } from "../../lib/api";
import { STOCK_KINDS, useAddNotetype, useDeleteNotetype, useNotetypeList, useSaveNotetype, useNotetype } from "./api";
import { NotetypeEditor } from "./NotetypeEditor";

export default function NotetypesPage() {
  const list = useNotetypeList();
  const add = useAddNotetype();
  const remove = useDeleteNotetype();
  const save = useSaveNotetype();
  const [source, setSource] = useState("kind:basic");
  const [name, setName] = useState("");
  const [selected, setSelected] = useState<number | null>(null);
  const detail = useNotetype(selected);
  const [notice, setNotice] = useState("");
  const fullSync = "Anki's own client will need a one-way full sync after this change.";

  async function onAdd(event: React.FormEvent) {
    event.preventDefault();
    const [how, value] = source.split(":");
    const made = await add.mutateAsync(
      how === "kind"
        ? { kind: value as (typeof STOCK_KINDS)[number]["kind"], name: name || undefined }
        : { clone_of: Number(value), name: name || undefined },
    );
    setName("");
    setSelected(made.id);
    setNotice(`Note type added. ${fullSync}`);
  }

  async function onRename(id: number, current: string) {
    const next = window.prompt("New name", current);
    if (!next || next === current) return;
    const nt = await unwrap(api.client.GET("/api/notetypes/{notetype_id}", { params: { path: { notetype_id: id } } }));
    await save.mutateAsync({ ...nt, name: next });
  }

  async function onDelete(id: number, label: string, notes: number) {
    const what = notes === 1 ? "1 note" : `${notes} notes`;
    if (!window.confirm(`Delete the note type "${label}" and its ${what} with all their cards?`)) return;
    if (selected === id) setSelected(null); // its editor goes first: no reads of a deleted type
    await remove.mutateAsync(id);
    setNotice(`Deleted "${label}" and ${what}. ${fullSync}`);
  }

  const error = add.error ?? remove.error ?? save.error;
  return (
    <section className="notetypes-page">
      <h1>Note types</h1>
      {notice && <p role="status">{notice}</p>}
      {error && <p role="alert">{error.message}</p>}
      <form className="notetypes-add" onSubmit={onAdd}>
        <label>
          Add
          <select aria-label="Add from" value={source} onChange={(e) => setSource(e.target.value)}>
            {STOCK_KINDS.map((s) => (
              <option key={s.kind} value={`kind:${s.kind}`}>
                Add: {s.label}
              </option>
            ))}
            {(list.data ?? []).map((nt) => (
              <option key={nt.id} value={`clone:${nt.id}`}>
                Clone: {nt.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input aria-label="New note type name" value={name} onChange={(e) => setName(e.target.value)} placeholder="(default name)" />
        </label>
        <button type="submit" disabled={add.isPending}>
          Add note type
        </button>
      </form>
      <ul className="notetypes-list">
        {(list.data ?? []).map((nt) => (
          <li key={nt.id} className={nt.id === selected ? "selected" : undefined}>
            <button type="button" className="notetypes-name" onClick={() => setSelected(nt.id)}>
              {nt.name}
            </button>
            <span className="notetypes-count">
              {nt.note_count} {nt.note_count === 1 ? "note" : "notes"}
            </span>
            <button type="button" onClick={() => void onRename(nt.id, nt.name)}>
              Rename
            </button>
            <button type="button" onClick={() => void onDelete(nt.id, nt.name, nt.note_count)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {detail.data && selected !== null && (
        <NotetypeEditor
          key={`${detail.data.id}-${detail.dataUpdatedAt}`}
          notetype={detail.data}
          saving={save.isPending}
          onSave={async (nt) => {
            const saved = await save.mutateAsync(nt);
            setNotice(saved.full_sync_required ? `Saved. ${fullSync}` : "Saved.");
          }}
        />
      )}
    </section>
  );
}
