/**
 * The FSRS part of a preset's options, as in Anki's deck options: FSRS on/off (collection-wide),
 * desired retention, historical retention, the parameters, Optimize (trained on the user's own
 * reviews), Evaluate, and "reschedule cards on change" applied when saving.
 */
import { useState } from "react";
import { type FsrsSettings, useEvaluateFsrs, useFsrsSettings, useOptimizeFsrs, useSaveFsrs } from "./api";

export function parseParams(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter((p) => p !== "");
  const numbers = parts.map(Number);
  if (numbers.some((n) => !Number.isFinite(n))) return null;
  if (![0, 17, 19, 21].includes(numbers.length)) return null;
  return numbers;
}

export function formatParams(params: number[]): string {
  return params.map((p) => Number(p.toFixed(4)).toString()).join(", ");
}

export function FsrsSection({ presetId }: { presetId: number }) {
  const settings = useFsrsSettings(presetId);
  if (settings.isPending) return <p className="fsrs-section">Loading FSRS…</p>;
  if (settings.isError) return <p role="alert">{settings.error.message}</p>;
  // The form starts from the saved settings; after saving it already holds them.
  return <FsrsForm key={presetId} presetId={presetId} saved={settings.data} />;
}

function FsrsForm({ presetId, saved }: { presetId: number; saved: FsrsSettings }) {
  const save = useSaveFsrs(presetId);
  const optimize = useOptimizeFsrs(presetId);
  const evaluate = useEvaluateFsrs(presetId);
  const [enabled, setEnabled] = useState(saved.enabled);
  const [retention, setRetention] = useState(String(saved.desired_retention));
  const [historical, setHistorical] = useState(String(saved.historical_retention));
  const [paramsText, setParamsText] = useState(formatParams(saved.params));
  const [reschedule, setReschedule] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const params = parseParams(paramsText);
  const retentionValue = Number(retention);
  const retentionOk = retentionValue >= 0.7 && retentionValue <= 0.99;
  const busy = optimize.isPending || evaluate.isPending || save.isPending;

  function onOptimize() {
    setMessage(null);
    optimize.mutate(undefined, {
      onSuccess: (result) => {
        if (result.item_count === 0) setMessage("Not enough reviews to optimize yet.");
        else if (result.params.length === 0) setMessage("FSRS's default parameters already fit your reviews best.");
        else setMessage(`Optimized from ${result.review_count} reviews.`);
        if (result.params.length > 0) setParamsText(formatParams(result.params));
      },
    });
  }

  function onEvaluate() {
    if (params === null) return;
    setMessage(null);
    evaluate.mutate(params, {
      onSuccess: (result) =>
        setMessage(
          `Log loss ${result.log_loss.toFixed(4)}, RMSE (bins) ${(result.rmse_bins * 100).toFixed(2)}%`,
        ),
    });
  }

  function onSave() {
    if (params === null || !retentionOk) return;
    setMessage(null);
    save.mutate(
      {
        enabled,
        desired_retention: retentionValue,
        historical_retention: Number(historical),
        params,
        reschedule,
      },
      {
        onSuccess: (saved) =>
          setMessage(`Saved. ${saved.cards} cards updated, ${saved.rescheduled} rescheduled.`),
      },
    );
  }

  const error = optimize.error ?? evaluate.error ?? save.error;
  return (
    <section className="fsrs-section" aria-label="FSRS">
      <h3>FSRS</h3>
      <label>
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> FSRS (all presets)
      </label>
      <label>
        Desired retention
        <input
          type="number"
          min={0.7}
          max={0.99}
          step={0.01}
          value={retention}
          aria-invalid={!retentionOk}
          onChange={(e) => setRetention(e.target.value)}
        />
      </label>
      <label>
        Historical retention
        <input type="number" min={0.5} max={1} step={0.01} value={historical} onChange={(e) => setHistorical(e.target.value)} />
      </label>
      <label>
        FSRS parameters
        <textarea
          rows={3}
          value={paramsText}
          aria-invalid={params === null}
          placeholder="empty: FSRS's defaults"
          onChange={(e) => setParamsText(e.target.value)}
        />
      </label>
      {params === null && <p role="alert">Parameters: empty, or 17, 19 or 21 numbers.</p>}
      <div className="fsrs-actions">
        <button type="button" onClick={onOptimize} disabled={busy}>
          {optimize.isPending ? "Optimizing…" : "Optimize"}
        </button>
        <button type="button" onClick={onEvaluate} disabled={busy || params === null}>
          {evaluate.isPending ? "Evaluating…" : "Evaluate"}
        </button>
      </div>
      <label>
        <input type="checkbox" checked={reschedule} onChange={(e) => setReschedule(e.target.checked)} /> Reschedule cards on change
      </label>
      <button type="button" onClick={onSave} disabled={busy || params === null || !retentionOk}>
        {save.isPending ? "Saving…" : "Save FSRS settings"}
      </button>
      {busy && <span role="progressbar" aria-label="FSRS working" className="fsrs-spinner" />}
      {message && <p role="status">{message}</p>}
      {error && <p role="alert">{error.message}</p>}
    </section>
  );
}
