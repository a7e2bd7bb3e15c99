/**
 * A deck's options, as Anki's deck options screen: the preset the deck uses (chosen, added,
 * cloned, renamed, deleted, with how many decks use each), the deck's own daily limits ("this
 * deck", "today only") and every option of the preset, grouped as Anki groups them. Nothing is
 * written before Save; "Save to all subdecks" gives the deck's subdecks the preset as well.
 */
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import {
  useCreatePreset,
  useDeck,
  useDeletePreset,
  usePresets,
  useUpdateDeck,
  useUpdatePreset,
  type Deck,
  type DeckLimits,
  type Preset,
  type PresetChanges,
} from "./api";
import { FsrsSection } from "../fsrs/FsrsSection";
import { SECTIONS, WEEKDAYS, type OptionField } from "./presetFields";
import { parseSteps, stepsText } from "./steps";

type LimitTab = "preset" | "deck" | "today";

function initialTab(deck: Deck): LimitTab {
  const limits = deck.limits;
  if (limits?.new_today_active || limits?.review_today_active) return "today";
  if (limits?.new != null || limits?.review != null) return "deck";
  return "preset";
}

interface LimitDraft {
  tab: LimitTab;
  deckNew: number | null;
  deckReview: number | null;
  todayNew: number | null;
  todayReview: number | null;
}

function limitDraftOf(deck: Deck): LimitDraft {
  const limits = deck.limits;
  return {
    tab: initialTab(deck),
    deckNew: limits?.new ?? null,
    deckReview: limits?.review ?? null,
    todayNew: limits?.new_today_active ? (limits.new_today ?? null) : null,
    todayReview: limits?.review_today_active ? (limits.review_today ?? null) : null,
  };
}

/** What the deck's own limits become on save, following the tab the learner left selected. */
function limitsToSave(draft: LimitDraft, preset: Preset): DeckLimits {
  if (draft.tab === "preset") return { new: null, review: null, new_today: null, review_today: null };
  const deckNew = draft.deckNew ?? preset.new_per_day;
  const deckReview = draft.deckReview ?? preset.reviews_per_day;
  if (draft.tab === "deck") return { new: deckNew, review: deckReview, new_today: null, review_today: null };
  return {
    new: draft.deckNew,
    review: draft.deckReview,
    new_today: draft.todayNew ?? deckNew,
    review_today: draft.todayReview ?? deckReview,
  };
}

export default function DeckOptionsPage() {
  const deckId = Number(useParams().deckId);
  const deck = useDeck(deckId);
  const presets = usePresets();
  if (deck.error || presets.error) {
    return (
      <section className="page">
        <ErrorNotice message={errorMessage(deck.error ?? presets.error)} />
        <Link to="/">Back to decks</Link>
      </section>
    );
  }
  if (!deck.data || !presets.data) return <div className="page-loading">Loading…</div>;
  return <DeckOptionsForm key={deck.data.id} deck={deck.data} presets={presets.data} />;
}

function DeckOptionsForm({ deck, presets }: { deck: Deck; presets: Preset[] }) {
  const navigate = useNavigate();
  const createPreset = useCreatePreset();
  const updatePreset = useUpdatePreset();
  const deletePreset = useDeletePreset();
  const updateDeck = useUpdateDeck();
  const [presetId, setPresetId] = useState<number>(deck.preset_id ?? 1);
  const [edits, setEdits] = useState<Record<number, PresetChanges>>({});
  // Steps as typed, per preset, read into minutes on save.
  const [stepsDrafts, setStepsDrafts] = useState<Record<number, Record<string, string>>>({});
  const [fsrs, setFsrs] = useState(deck.fsrs);
  const [fsrsReschedule, setFsrsReschedule] = useState(false);
  const [limits, setLimits] = useState<LimitDraft>(() => limitDraftOf(deck));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const stored = presets.find((p) => p.id === presetId) ?? presets[0];
  const preset: Preset = { ...stored, ...edits[stored.id] } as Preset;
  const stepsDraft = stepsDrafts[stored.id] ?? {};
  const set = (changes: PresetChanges) => setEdits((old) => ({ ...old, [stored.id]: { ...old[stored.id], ...changes } }));
  const fail = (caught: unknown) => setError(errorMessage(caught));

  const addPreset = (cloneOf?: number) => {
    const name = window.prompt(cloneOf ? "Name of the copy" : "Name of the new preset", cloneOf ? `${preset.name} copy` : "")?.trim();
    if (!name) return;
    createPreset.mutate(cloneOf ? { name, clone_of: cloneOf } : { name }, { onSuccess: (made) => setPresetId(made.id), onError: fail });
  };
  const renamePreset = () => {
    const name = window.prompt("New name of the preset", preset.name)?.trim();
    if (name && name !== stored.name) updatePreset.mutate({ id: stored.id, name }, { onError: fail });
  };
  const removePreset = () => {
    const users = stored.use_count;
    if (!window.confirm(`Delete the preset “${stored.name}”? ${users} deck${users === 1 ? "" : "s"} using it will use Default.`)) return;
    deletePreset.mutate(stored.id, { onSuccess: () => setPresetId(1), onError: fail });
  };

  const save = async (toSubdecks: boolean) => {
    setError(null);
    const typed = Object.values(stepsDrafts).flatMap((drafts) => Object.values(drafts));
    if (typed.some((text) => parseSteps(text).some((n) => !Number.isFinite(n) || n <= 0))) {
      setError("Steps are durations like 1m 10m 1h 1d, separated by spaces.");
      return;
    }
    setSaving(true);
    const rescheduling = fsrsReschedule ? { fsrs_reschedule: true } : {};
    try {
      const changed = new Set([...Object.keys(edits), ...Object.keys(stepsDrafts)].map(Number));
      for (const id of changed) {
        await updatePreset.mutateAsync({ id, ...edits[id], ...stepChanges(stepsDrafts[id] ?? {}), ...rescheduling });
      }
      await updateDeck.mutateAsync({
        id: deck.id,
        preset_id: stored.id,
        apply_to_children: toSubdecks,
        limits: limitsToSave(limits, preset),
        ...(fsrs !== deck.fsrs ? { fsrs } : {}),
        ...rescheduling,
      });
      navigate("/");
    } catch (caught) {
      fail(caught);
    } finally {
      setSaving(false);
    }
  };

  const busy = saving || createPreset.isPending || deletePreset.isPending || updatePreset.isPending;
  return (
    <section className="page deck-options">
      <div className="page-head">
        <h1>Options · {deck.name}</h1>
        <Link to="/" className="button button--quiet">
          Close
        </Link>
      </div>
      <ErrorNotice message={error} onDismiss={() => setError(null)} />

      <div className="panel deck-options-presets">
        <label className="field">
          <span>Preset</span>
          <select aria-label="Preset" value={stored.id} onChange={(e) => setPresetId(Number(e.target.value))}>
            {presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} (used by {p.use_count} deck{p.use_count === 1 ? "" : "s"})
              </option>
            ))}
          </select>
        </label>
        <div className="toolbar">
          <button type="button" className="button button--small" onClick={() => addPreset()} disabled={busy}>
            Add preset
          </button>
          <button type="button" className="button button--small" onClick={() => addPreset(stored.id)} disabled={busy}>
            Clone preset
          </button>
          <button type="button" className="button button--small" onClick={renamePreset} disabled={busy}>
            Rename preset
          </button>
          <button type="button" className="button button--small button--danger" onClick={removePreset} disabled={busy || stored.id === 1}>
            Delete preset
          </button>
        </div>
      </div>

      <DailyLimits preset={preset} draft={limits} onDraft={setLimits} onPreset={set} />

      {SECTIONS.map((section) => (
        <fieldset key={section.title} className="panel deck-options-section">
          <legend>{section.title}</legend>
          {section.fields.map((field) => (
            <OptionInput
              key={field.key}
              field={field}
              preset={preset}
              steps={stepsDraft[field.key]}
              onSteps={(text) => setStepsDrafts((old) => ({ ...old, [stored.id]: { ...old[stored.id], [field.key]: text } }))}
              onChange={set}
            />
          ))}
        </fieldset>
      ))}

      <fieldset className="panel deck-options-section">
        <legend>Easy Days</legend>
        <p className="muted small">Share of the usual reviews on each day (100% = a normal day).</p>
        {WEEKDAYS.map((day, index) => {
          const values = preset.easy_days_percentages.length === 7 ? preset.easy_days_percentages : [1, 1, 1, 1, 1, 1, 1];
          return (
            <label key={day} className="field deck-options-row">
              <span>{day}</span>
              <input
                type="number"
                min={0}
                max={100}
                value={Math.round(values[index] * 100)}
                onChange={(e) => set({ easy_days_percentages: values.map((v, i) => (i === index ? Number(e.target.value) / 100 : v)) })}
              />
            </label>
          );
        })}
      </fieldset>

      <fieldset className="panel deck-options-section">
        <legend>FSRS</legend>
        <FsrsSection
          presetId={stored.id}
          preset={preset}
          onChange={set}
          enabled={fsrs}
          onEnabled={setFsrs}
          reschedule={fsrsReschedule}
          onReschedule={setFsrsReschedule}
        />
      </fieldset>

      <div className="form-actions deck-options-actions">
        <button type="button" className="button" onClick={() => void save(true)} disabled={busy}>
          Save to all subdecks
        </button>
        <button type="button" className="button button--primary" onClick={() => void save(false)} disabled={busy}>
          Save
        </button>
      </div>
    </section>
  );
}

function stepChanges(drafts: Record<string, string>): PresetChanges {
  const changes: PresetChanges = {};
  if (drafts.learn_steps !== undefined) changes.learn_steps = parseSteps(drafts.learn_steps);
  if (drafts.relearn_steps !== undefined) changes.relearn_steps = parseSteps(drafts.relearn_steps);
  return changes;
}

interface DailyLimitsProps {
  preset: Preset;
  draft: LimitDraft;
  onDraft: (draft: LimitDraft) => void;
  onPreset: (changes: PresetChanges) => void;
}

function DailyLimits({ preset, draft, onDraft, onPreset }: DailyLimitsProps) {
  const tabs: [LimitTab, string][] = [
    ["preset", "Preset"],
    ["deck", "This deck"],
    ["today", "Today only"],
  ];
  const deckNew = draft.deckNew ?? preset.new_per_day;
  const deckReview = draft.deckReview ?? preset.reviews_per_day;
  const shown =
    draft.tab === "preset"
      ? [preset.new_per_day, preset.reviews_per_day]
      : draft.tab === "deck"
        ? [deckNew, deckReview]
        : [draft.todayNew ?? deckNew, draft.todayReview ?? deckReview];
  const change = (which: 0 | 1, value: number) => {
    if (draft.tab === "preset") onPreset(which === 0 ? { new_per_day: value } : { reviews_per_day: value });
    else if (draft.tab === "deck") onDraft({ ...draft, ...(which === 0 ? { deckNew: value } : { deckReview: value }) });
    else onDraft({ ...draft, ...(which === 0 ? { todayNew: value } : { todayReview: value }) });
  };
  return (
    <fieldset className="panel deck-options-section">
      <legend>Daily Limits</legend>
      <div className="tabs" role="tablist" aria-label="Limits apply to">
        {tabs.map(([tab, label]) => (
          <button
            key={tab}
            type="button"
            role="tab"
            className="tab"
            aria-selected={draft.tab === tab}
            onClick={() => onDraft({ ...draft, tab })}
          >
            {label}
          </button>
        ))}
      </div>
      <label className="field deck-options-row">
        <span>New cards/day</span>
        <input type="number" min={0} max={9999} value={shown[0]} onChange={(e) => change(0, Number(e.target.value))} />
      </label>
      <label className="field deck-options-row">
        <span>Maximum reviews/day</span>
        <input type="number" min={0} max={9999} value={shown[1]} onChange={(e) => change(1, Number(e.target.value))} />
      </label>
    </fieldset>
  );
}

interface OptionInputProps {
  field: OptionField;
  preset: Preset;
  steps: string | undefined;
  onSteps: (text: string) => void;
  onChange: (changes: PresetChanges) => void;
}

function OptionInput({ field, preset, steps, onSteps, onChange }: OptionInputProps) {
  const value = preset[field.key];
  const put = (next: unknown) => onChange({ [field.key]: next } as PresetChanges);
  if (field.kind === "bool") {
    return (
      <label className="check">
        <input type="checkbox" checked={Boolean(value)} onChange={(e) => put(e.target.checked)} />
        <span>{field.label}</span>
      </label>
    );
  }
  let input: React.ReactNode;
  if (field.kind === "steps") {
    input = <input value={steps ?? stepsText(value as number[])} placeholder={field.hint} onChange={(e) => onSteps(e.target.value)} />;
  } else if (field.kind === "choice") {
    input = (
      <select value={Number(value)} onChange={(e) => put(Number(e.target.value))}>
        {field.choices.map(([choice, label]) => (
          <option key={choice} value={choice}>
            {label}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "percent") {
    input = (
      <input
        type="number"
        min={field.min}
        max={field.max}
        value={Math.round(Number(value) * 100)}
        onChange={(e) => put(Number(e.target.value) / 100)}
      />
    );
  } else {
    input = (
      <input
        type="number"
        min={field.min}
        max={field.max}
        step={field.kind === "float" ? field.step : 1}
        value={Number(value)}
        onChange={(e) => put(Number(e.target.value))}
      />
    );
  }
  return (
    <label className="field deck-options-row">
      <span>{field.label}</span>
      {input}
    </label>
  );
}
