/**
 * Anki's "Optimize all presets": every preset's parameters trained on its own reviews (with its
 * optimizer search and "ignore reviews before" as edited on the page), one preset after the
 * other with progress. As with Optimize, the results go into the page's draft and are kept
 * by Save.
 */
import { useState } from "react";
import type { Preset } from "../decks/api";
import { optimizeFsrs } from "./api";
import { fsrsErrorMessage, presetParams, sameParams } from "./FsrsSection";

interface Progress {
  index: number;
  name: string;
}

function names(list: string[]): string {
  return list.map((name) => `“${name}”`).join(", ");
}

export function OptimizeAllPresets({
  presets,
  onOptimized,
}: {
  /** Every preset, with the page's unsaved edits. */
  presets: Preset[];
  onOptimized: (presetId: number, params: number[]) => void;
}) {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [summary, setSummary] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async () => {
    setSummary(null);
    setError(null);
    const changed: string[] = [];
    const kept: string[] = [];
    try {
      for (const [index, preset] of presets.entries()) {
        setProgress({ index, name: preset.name });
        const current = presetParams(preset);
        const optimized = await optimizeFsrs(preset.id, {
          params: current,
          param_search: preset.param_search,
          ignore_revlogs_before_date: preset.ignore_revlogs_before_date,
        });
        if (optimized.item_count === 0 || sameParams(optimized.params, current)) {
          kept.push(preset.name);
        } else {
          onOptimized(preset.id, optimized.params);
          changed.push(preset.name);
        }
      }
      const parts = [
        changed.length > 0 ? `New parameters for ${names(changed)}: save to use them.` : "No preset needs new parameters.",
        kept.length > 0 && changed.length > 0 ? `${names(kept)} keep their parameters (they fit best, or too few reviews).` : "",
      ];
      setSummary(parts.filter(Boolean).join(" "));
    } catch (caught) {
      setError(`${fsrsErrorMessage(caught)}${changed.length > 0 ? ` (optimized before that: ${names(changed)})` : ""}`);
    } finally {
      setProgress(null);
    }
  };

  return (
    <div className="fsrs-optimize-all">
      <div className="fsrs-actions">
        <button type="button" className="button button--small" onClick={() => void run()} disabled={progress !== null}>
          {progress ? "Optimizing all presets…" : "Optimize all presets"}
        </button>
        {progress && (
          <span className="fsrs-progress" role="progressbar" aria-label="Optimizing all presets" aria-valuemin={0} aria-valuemax={presets.length} aria-valuenow={progress.index}>
            <span className="fsrs-spinner" aria-hidden="true" />
            Preset {progress.index + 1} of {presets.length}: {progress.name}
          </span>
        )}
      </div>
      {summary && (
        <p role="status" className="fsrs-note fsrs-note--ok">
          {summary}
        </p>
      )}
      {error && (
        <p role="alert" className="fsrs-note fsrs-note--error">
          {error}
        </p>
      )}
    </div>
  );
}
