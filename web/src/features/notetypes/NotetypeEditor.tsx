/** Fields and card templates of one note type, edited as a whole and saved with one PUT:
 * fields keep their `ord` so a rename is a rename (templates follow) and a new field at the end
 * keeps every note's values; card types keep theirs too, so a repositioned card type (Anki's
 * Reposition) takes its cards along. Front, back and styling sit side by side. */
import { useState } from "react";
import type { NotetypeDetail } from "./api";
import { TemplatePreview } from "./TemplatePreview";

type Field = NotetypeDetail["fields"][number];
type Template = NotetypeDetail["templates"][number];

function moved<T>(items: T[], from: number, to: number): T[] {
  if (to < 0 || to >= items.length) return items;
  const copy = [...items];
  const [item] = copy.splice(from, 1);
  copy.splice(to, 0, item);
  return copy;
}

/** Whether saving `after` over `before` is one of Anki's schema changes (fields or card types
 * added, removed or moved, another sort field): its own client then needs a one-way full sync. */
export function changesSchema(before: NotetypeDetail, after: NotetypeDetail): boolean {
  const moved = (items: { ord: number | null }[], count: number) =>
    items.length !== count || items.some((item, i) => item.ord !== i);
  return (
    moved(after.fields, before.fields.length) ||
    moved(after.templates, before.templates.length) ||
    after.sort_field !== before.sort_field
  );
}

export const FULL_SYNC_QUESTION =
  "This change needs a one-way full sync: at its next sync, Anki's own client will have to upload or download the whole collection. Continue?";

export function NotetypeEditor({
  notetype,
  saving,
  onSave,
}: {
  notetype: NotetypeDetail;
  saving: boolean;
  onSave: (nt: NotetypeDetail) => Promise<void>;
}) {
  const [draft, setDraft] = useState<NotetypeDetail>(notetype);
  const [current, setCurrent] = useState(0);
  const templateIndex = Math.min(current, draft.templates.length - 1);
  const template = draft.templates[templateIndex];

  const setField = (i: number, change: Partial<Field>) =>
    setDraft({ ...draft, fields: draft.fields.map((f, j) => (j === i ? { ...f, ...change } : f)) });
  const setTemplate = (change: Partial<Template>) =>
    setDraft({
      ...draft,
      templates: draft.templates.map((t) => (t === template ? { ...t, ...change } : t)),
    });
  const newField: Field = {
    ord: null as unknown as number,
    name: `Field ${draft.fields.length + 1}`,
    font: "Arial",
    size: 20,
    rtl: false,
    sticky: false,
    html_editor: false,
    collapsed: false,
    description: "",
    exclude_from_search: false,
  };

  return (
    <div className="notetypes-editor">
      <h2>{notetype.name}</h2>
      <h3>Fields</h3>
      <ol className="notetypes-fields">
        {draft.fields.map((field, i) => (
          <li key={`${field.ord}-${i}`}>
            <input aria-label={`Field ${i + 1} name`} value={field.name} onChange={(e) => setField(i, { name: e.target.value })} />
            <label>
              <input type="radio" name="sort-field" checked={draft.sort_field === i} onChange={() => setDraft({ ...draft, sort_field: i })} />
              Sort by this field
            </label>
            <label>
              <input type="checkbox" checked={field.html_editor} onChange={(e) => setField(i, { html_editor: e.target.checked })} />
              Use HTML editor by default
            </label>
            <input aria-label={`Field ${i + 1} font`} value={field.font} onChange={(e) => setField(i, { font: e.target.value })} />
            <input
              aria-label={`Field ${i + 1} size`}
              type="number"
              min={1}
              value={field.size}
              onChange={(e) => setField(i, { size: Number(e.target.value) || 20 })}
            />
            <button type="button" onClick={() => setDraft({ ...draft, fields: moved(draft.fields, i, i - 1) })}>
              Up
            </button>
            <button type="button" onClick={() => setDraft({ ...draft, fields: moved(draft.fields, i, i + 1) })}>
              Down
            </button>
            <button
              type="button"
              disabled={draft.fields.length < 2}
              onClick={() =>
                setDraft({ ...draft, sort_field: 0, fields: draft.fields.filter((_, j) => j !== i) })
              }
            >
              Delete field
            </button>
          </li>
        ))}
      </ol>
      <button type="button" onClick={() => setDraft({ ...draft, fields: [...draft.fields, newField] })}>
        Add field
      </button>
      <h3>Card templates</h3>
      <div className="notetypes-template-tabs">
        {draft.templates.map((t, i) => (
          <button key={`${t.ord}-${i}`} type="button" aria-pressed={t === template} onClick={() => setCurrent(i)}>
            {t.name}
          </button>
        ))}
        {!draft.is_cloze && (
          <button
            type="button"
            onClick={() => {
              setDraft({
                ...draft,
                templates: [
                  ...draft.templates,
                  {
                    ord: null as unknown as number,
                    name: `Card ${draft.templates.length + 1}`,
                    front: `{{${draft.fields[0].name}}}`,
                    back: "{{FrontSide}}",
                    browser_front: "",
                    browser_back: "",
                    card_count: 0,
                  },
                ],
              });
              setCurrent(draft.templates.length);
            }}
          >
            Add card type
          </button>
        )}
      </div>
      {template && (
        <div className="notetypes-template">
          <div className="notetypes-template-head">
            <label>
              Name
              <input value={template.name} onChange={(e) => setTemplate({ name: e.target.value })} />
            </label>
            {draft.templates.length > 1 && (
              <label>
                Position
                <select
                  value={templateIndex}
                  onChange={(e) => {
                    const to = Number(e.target.value);
                    setDraft({ ...draft, templates: moved(draft.templates, templateIndex, to) });
                    setCurrent(to);
                  }}
                >
                  {draft.templates.map((_, i) => (
                    <option key={i} value={i}>
                      {i + 1}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
          <div className="notetypes-sides">
            <label>
              Front template
              <textarea value={template.front} onChange={(e) => setTemplate({ front: e.target.value })} />
            </label>
            <label>
              Back template
              <textarea value={template.back} onChange={(e) => setTemplate({ back: e.target.value })} />
            </label>
            <label>
              Styling
              <textarea value={draft.css} onChange={(e) => setDraft({ ...draft, css: e.target.value })} />
            </label>
          </div>
          <TemplatePreview notetypeId={draft.id} front={template.front} back={template.back} css={draft.css} />
          <button
            type="button"
            disabled={draft.templates.length < 2}
            onClick={() => {
              const cards = template.card_count;
              if (cards && !window.confirm(`Delete this card type and its ${cards} cards?`)) return;
              setDraft({ ...draft, templates: draft.templates.filter((t) => t !== template) });
              setCurrent(0);
            }}
          >
            Delete card type
          </button>
        </div>
      )}
      <button
        type="button"
        className="primary"
        disabled={saving}
        onClick={() => {
          // As Anki, asked before the change is made, not only told after.
          if (changesSchema(notetype, draft) && !window.confirm(FULL_SYNC_QUESTION)) return;
          void onSave(draft);
        }}
      >
        Save
      </button>
    </div>
  );
}
