/**
 * The FSRS part of a preset's options, as in Anki's deck options: FSRS on/off (collection-wide),
 * desired retention (the preset's, or this deck's own as on Anki's "This deck" tab), the
 * parameters as editable text, Optimize (trained on the user's own reviews) and Evaluate, the
 * optimizer's search and "ignore reviews before", historical retention, "Reschedule cards on
 * change" and the retention simulator. Everything edited here is part of the page's draft and
 * saved with the page's Save; Optimize, Evaluate and the simulator save nothing.
 */
import { useEffect, useState } from "react";
import { ApiError, errorMessage } from "../../lib/errors";
import type { Preset, PresetChanges } from "../decks/api";
import { OverrideTabs } from "../decks/OverrideTabs";
import { useEvaluateFsrs, useOptimizeFsrs } from "./api";
import { FsrsSimulator } from "./FsrsSimulator";

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

/** The parameters FSRS uses: the newest non-empty list, as Anki reads them. */
export function presetParams(preset: Preset): number[] {
  for (const list of [preset.fsrs_params_6, preset.fsrs_params_5, preset.fsrs_params_4]) {
    if (list.length > 0) return list;
  }
  return [];
}

export function sameParams(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Anki keeps the edited parameters in its newest list; empty clears the older ones too. */
export function paramsChanges(params: number[]): PresetChanges {
  return params.length === 0 ? { fsrs_params_6: [], fsrs_params_5: [], fsrs_params_4: [] } : { fsrs_params_6: params };
}

export function fsrsErrorMessage(error: unknown): string {
  if (error instanceof ApiError && error.code === "fsrs_busy") {
    return "The server is busy with another FSRS optimization or simulation. Try again in a few seconds.";
  }
  if (error instanceof ApiError && error.code === "too_many_reviews") {
    return `Too many reviews to optimize here (${error.message}). Narrow the optimizer search or ignore reviews before a date, save, and optimize again.`;
  }
  return errorMessage(error);
}

function retentionWarning(retention: number): string | null {
  if (retention < 0.8) return "A desired retention below 80% lets you forget often; intervals grow long.";
  if (retention > 0.95) return "A desired retention above 95% costs many more reviews for little gain.";
  return null;
}

/** Seconds since `running` became true, ticking while it stays true. */
function useElapsedSeconds(running: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!running) return;
    const started = Date.now();
    const timer = window.setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => {
      window.clearInterval(timer);
      setSeconds(0);
    };
  }, [running]);
  return seconds;
}

export interface FsrsSectionProps {
  presetId: number;
  /** The preset as edited on the page (unsaved edits included). */
  preset: Preset;
  onChange: (changes: PresetChanges) => void;
  /** The collection's FSRS switch, as edited on the page. */
  enabled: boolean;
  onEnabled: (enabled: boolean) => void;
  reschedule: boolean;
  onReschedule: (reschedule: boolean) => void;
  /** The deck's own desired retention as edited on the page; null: the preset's applies. */
  deckRetention: number | null;
  onDeckRetention: (retention: number | null) => void;
}

const RETENTION_TABS = [
  ["preset", "Preset"],
  ["deck", "This deck"],
] as const;

export function FsrsSection(props: FsrsSectionProps) {
  // A preset's own parameter text and results: a new form when another preset is chosen.
  return <FsrsForm key={props.presetId} {...props} />;
}

function FsrsForm(props: FsrsSectionProps) {
  const { presetId, preset, onChange, enabled, onEnabled, reschedule, onReschedule, deckRetention, onDeckRetention } = props;
  const optimize = useOptimizeFsrs(presetId);
  const evaluate = useEvaluateFsrs(presetId);
  const [paramsText, setParamsText] = useState(() => formatParams(presetParams(preset)));
  const [result, setResult] = useState<string | null>(null);
  const busy = optimize.isPending || evaluate.isPending;
  const elapsed = useElapsedSeconds(busy);
  const params = parseParams(paramsText);
  const retention = deckRetention ?? preset.desired_retention;
  const warning = retentionWarning(retention);
  const setRetention = (value: number) => {
    if (deckRetention === null) onChange({ desired_retention: value });
    else onDeckRetention(value);
  };

  const editParams = (text: string) => {
    setParamsText(text);
    const parsed = parseParams(text);
    if (parsed !== null) onChange(paramsChanges(parsed));
  };

  // Optimize and Evaluate use the settings as edited, saved or not, as Anki's do.
  const unsaved = { param_search: preset.param_search, ignore_revlogs_before_date: preset.ignore_revlogs_before_date };

  const onOptimize = () => {
    setResult(null);
    optimize.mutate({ ...unsaved, params: params ?? presetParams(preset) }, {
      onSuccess: (optimized) => {
        if (optimized.item_count === 0) {
          setResult("Not enough reviews to optimize yet: the parameters stay as they are.");
          return;
        }
        const before = presetParams(preset);
        const same = sameParams(optimized.params, before);
        setParamsText(formatParams(optimized.params));
        onChange(paramsChanges(optimized.params));
        setResult(
          same
            ? `Your current parameters already fit your ${optimized.review_count} reviews best.`
            : `Optimized from ${optimized.review_count} reviews (${optimized.item_count} answers judged). Save to use the new parameters.`,
        );
      },
    });
  };

  const onEvaluate = () => {
    if (params === null) return;
    setResult(null);
    evaluate.mutate({ ...unsaved, params }, {
      onSuccess: (judged) =>
        setResult(
          judged.item_count === 0
            ? "No reviews to evaluate the parameters on yet."
            : `Log loss ${judged.log_loss.toFixed(4)}, RMSE (bins) ${(judged.rmse_bins * 100).toFixed(2)}% over ${judged.item_count} answers.`,
        ),
    });
  };

  const error = optimize.error ?? evaluate.error;
  return (
    <section className="fsrs-section" aria-label="FSRS">
      <label className="check fsrs-switch">
        <input type="checkbox" checked={enabled} onChange={(e) => onEnabled(e.target.checked)} />
        <span>
          FSRS <span className="muted small">(for all presets)</span>
        </span>
      </label>
      {!enabled && <p className="muted small">With FSRS off, cards are scheduled by SM-2, Anki's older algorithm.</p>}
      {enabled && (
        <>
          <OverrideTabs
            label="Retention applies to"
            tabs={RETENTION_TABS}
            selected={deckRetention === null ? "preset" : "deck"}
            onSelect={(tab) => onDeckRetention(tab === "deck" ? (deckRetention ?? preset.desired_retention) : null)}
          />
          <label className="field deck-options-row">
            <span>Desired retention</span>
            <input
              type="number"
              min={0.7}
              max={0.99}
              step={0.01}
              value={retention}
              aria-invalid={retention < 0.7 || retention > 0.99}
              onChange={(e) => setRetention(Number(e.target.value))}
            />
          </label>
          {warning && <p className="fsrs-note fsrs-note--warn">{warning}</p>}

          <label className="field">
            <span>FSRS parameters</span>
            <textarea
              className="fsrs-params"
              rows={4}
              value={paramsText}
              spellCheck={false}
              aria-invalid={params === null}
              placeholder="empty: FSRS's default parameters"
              onChange={(e) => editParams(e.target.value)}
            />
          </label>
          {params === null && (
            <p role="alert" className="fsrs-note fsrs-note--error">
              Parameters are empty (FSRS's defaults) or 17, 19 or 21 numbers separated by commas.
            </p>
          )}

          <div className="fsrs-actions">
            <button type="button" className="button button--small" onClick={onOptimize} disabled={busy}>
              {optimize.isPending ? "Optimizing…" : "Optimize"}
            </button>
            <button type="button" className="button button--small" onClick={onEvaluate} disabled={busy || params === null}>
              {evaluate.isPending ? "Evaluating…" : "Evaluate"}
            </button>
            {busy && (
              <span className="fsrs-progress" role="progressbar" aria-label={optimize.isPending ? "Optimizing" : "Evaluating"}>
                <span className="fsrs-spinner" aria-hidden="true" />
                {optimize.isPending ? "Reading your reviews and training" : "Judging the parameters"} · {elapsed} s
              </span>
            )}
          </div>
          {result && (
            <p role="status" className="fsrs-note fsrs-note--ok">
              {result}
            </p>
          )}
          {error && (
            <p role="alert" className="fsrs-note fsrs-note--error">
              {fsrsErrorMessage(error)}
            </p>
          )}

          <label className="field">
            <span>Optimizer search</span>
            <input
              value={preset.param_search}
              placeholder={`preset:"${preset.name}" -is:suspended`}
              onChange={(e) => onChange({ param_search: e.target.value })}
            />
          </label>
          <label className="field deck-options-row">
            <span>Ignore reviews before</span>
            <input
              type="date"
              value={preset.ignore_revlogs_before_date}
              onChange={(e) => onChange({ ignore_revlogs_before_date: e.target.value })}
            />
          </label>
          <label className="field deck-options-row">
            <span>Historical retention</span>
            <input
              type="number"
              min={0.7}
              max={0.97}
              step={0.01}
              value={preset.historical_retention}
              onChange={(e) => onChange({ historical_retention: Number(e.target.value) })}
            />
          </label>

          <label className="check">
            <input type="checkbox" checked={reschedule} onChange={(e) => onReschedule(e.target.checked)} />
            <span>Reschedule cards on change</span>
          </label>
          {reschedule && (
            <p className="fsrs-note fsrs-note--warn">
              On save, review cards whose memory state changes get new due dates: many cards may become due, or
              none for a while.
            </p>
          )}

          <FsrsSimulator
            presetId={presetId}
            preset={preset}
            params={params ?? presetParams(preset)}
            retention={retention}
            onRetention={setRetention}
          />
        </>
      )}
    </section>
  );
}
