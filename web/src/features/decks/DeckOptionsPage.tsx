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
  type CollectionOptions,
  type Deck,
  type Preset,
  type PresetChanges,
} from "./api";
import { FsrsSection, paramsChanges } from "../fsrs/FsrsSection";
import { OptimizeAllPresets } from "../fsrs/OptimizeAllPresets";
import { DailyLimits } from "./DailyLimits";
import { EasyDays } from "./EasyDays";
import { limitDraftOf, limitsToSave, type LimitDraft } from "./limitDraft";
import { OptionInput } from "./OptionInput";
import { PresetPicker } from "./PresetPicker";
import { SECTIONS } from "./presetFields";
import { parseSteps } from "./steps";

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
  const [switches, setSwitches] = useState<CollectionOptions>(deck.collection_options);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [optimizedAll, setOptimizedAll] = useState(0);

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
        ...(switchesChanged(deck.collection_options, switches) ? { collection_options: switches } : {}),
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

      <PresetPicker
        presets={presets}
        selected={stored}
        busy={busy}
        onSelect={setPresetId}
        onAdd={() => addPreset()}
        onClone={() => addPreset(stored.id)}
        onRename={renamePreset}
        onDelete={removePreset}
      />

      <DailyLimits
        preset={preset}
        draft={limits}
        onDraft={setLimits}
        onPreset={set}
        switches={switches}
        onSwitches={(changes) => setSwitches((old) => ({ ...old, ...changes }))}
      />

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

      <EasyDays
        preset={preset}
        onChange={set}
        loadBalancer={switches.load_balancer}
        onLoadBalancer={(on) => setSwitches((old) => ({ ...old, load_balancer: on }))}
      />

      <fieldset className="panel deck-options-section">
        <legend>FSRS</legend>
        <FsrsSection
          // shows the parameters anew once "Optimize all presets" changed them
          key={optimizedAll}
          presetId={stored.id}
          preset={preset}
          onChange={set}
          enabled={fsrs}
          onEnabled={setFsrs}
          reschedule={fsrsReschedule}
          onReschedule={setFsrsReschedule}
          deckRetention={limits.deckRetention}
          onDeckRetention={(deckRetention) => setLimits((old) => ({ ...old, deckRetention }))}
        />
        {fsrs && (
          <OptimizeAllPresets
            presets={presets.map((p) => ({ ...p, ...edits[p.id] }) as Preset)}
            onOptimized={(id, params) => {
              setEdits((old) => ({ ...old, [id]: { ...old[id], ...paramsChanges(params) } }));
              setOptimizedAll((n) => n + 1);
            }}
          />
        )}
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

function switchesChanged(before: CollectionOptions, after: CollectionOptions): boolean {
  return (Object.keys(after) as (keyof CollectionOptions)[]).some((key) => before[key] !== after[key]);
}
