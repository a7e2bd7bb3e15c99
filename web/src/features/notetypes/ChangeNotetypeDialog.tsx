/** The browser's Change Note Type: pick the new type, then for each of its fields (and card
 * templates) which old one it takes, as Anki's dialog does. Defaults: Anki's name matching. */
import { useState } from "react";
import { useChangeNotetype, useNotetypeList } from "./api";

function defaultMap(oldNames: string[], newNames: string[]): (number | null)[] {
  const mapped = newNames.map((n) => (oldNames.includes(n) ? oldNames.indexOf(n) : null));
  const unused = oldNames.map((_, i) => i).filter((i) => !mapped.includes(i));
  return mapped.map((m) => (m !== null ? m : (unused.shift() ?? null)));
}

export function ChangeNotetypeDialog({
  noteIds,
  currentNotetypeId,
  onClose,
}: {
  noteIds: number[];
  currentNotetypeId?: number;
  onClose: () => void;
}) {
  const list = useNotetypeList();
  const change = useChangeNotetype();
  const types = list.data ?? [];
  const old = types.find((t) => t.id === currentNotetypeId) ?? null;
  const [target, setTarget] = useState<number | null>(null);
  const next = types.find((t) => t.id === target) ?? null;
  const [fields, setFields] = useState<(number | null)[]>([]);
  const [templates, setTemplates] = useState<(number | null)[]>([]);

  function pick(id: number) {
    setTarget(id);
    const chosen = types.find((t) => t.id === id);
    if (chosen && old) {
      setFields(defaultMap(old.fields, chosen.fields));
      setTemplates(defaultMap(old.templates, chosen.templates));
    }
  }

  const clozeInvolved = Boolean(old?.is_cloze || next?.is_cloze);
  async function submit() {
    if (target === null) return;
    await change.mutateAsync({
      note_ids: noteIds,
      notetype_id: target,
      ...(old ? { fields } : {}),
      ...(old && !clozeInvolved ? { templates } : {}),
    });
    onClose();
  }

  return (
    <div role="dialog" aria-modal="true" aria-label="Change note type" className="notetypes-dialog">
      <h2>Change note type of {noteIds.length === 1 ? "1 note" : `${noteIds.length} notes`}</h2>
      <label>
        New note type
        <select value={target ?? ""} onChange={(e) => pick(Number(e.target.value))}>
          <option value="" disabled>
            Choose…
          </option>
          {types.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      {next && old && (
        <>
          <h3>Fields</h3>
          {next.fields.map((name, i) => (
            <label key={name}>
              {name}
              <select
                value={fields[i] ?? ""}
                onChange={(e) => setFields(fields.map((f, j) => (j === i ? (e.target.value === "" ? null : Number(e.target.value)) : f)))}
              >
                <option value="">(nothing)</option>
                {old.fields.map((oldName, k) => (
                  <option key={oldName} value={k}>
                    {oldName}
                  </option>
                ))}
              </select>
            </label>
          ))}
          {!clozeInvolved && <h3>Card templates</h3>}
          {!clozeInvolved &&
            next.templates.map((name, i) => (
              <label key={name}>
                {name}
                <select
                  value={templates[i] ?? ""}
                  onChange={(e) =>
                    setTemplates(templates.map((t, j) => (j === i ? (e.target.value === "" ? null : Number(e.target.value)) : t)))
                  }
                >
                  <option value="">(nothing)</option>
                  {old.templates.map((oldName, k) => (
                    <option key={oldName} value={k}>
                      {oldName}
                    </option>
                  ))}
                </select>
              </label>
            ))}
        </>
      )}
      <p>Cards of templates nothing takes are deleted. Anki&apos;s own client will need a full sync afterwards.</p>
      {change.error && <p role="alert">{change.error.message}</p>}
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      <button type="button" className="primary" disabled={target === null || change.isPending} onClick={() => void submit()}>
        Change
      </button>
    </div>
  );
}
