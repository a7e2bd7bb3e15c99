/**
 * Anki's FSRS simulator in a preset's options: the reviews and study time a desired retention
 * costs day by day (new cards answered with the learner's own habits), and "Help me decide":
 * the retention fsrs-rs finds cheapest per card remembered, which can be taken into the draft.
 */
import { useState } from "react";
import type { Preset } from "../decks/api";
import { type Simulation, type SimulationRequest, useOptimalRetention, useSimulateFsrs } from "./api";
import { fsrsErrorMessage } from "./FsrsSection";

const MAX_BARS = 60;

export interface Bucket {
  firstDay: number;
  lastDay: number;
  reviews: number; // per day, on average
  minutes: number; // per day, on average
}

/** Days grouped so that a chart has at most `maxBars` bars. */
export function bucketDays(simulation: Simulation, maxBars = MAX_BARS): Bucket[] {
  const days = simulation.daily_review_count.length;
  const size = Math.max(1, Math.ceil(days / maxBars));
  const buckets: Bucket[] = [];
  for (let start = 0; start < days; start += size) {
    const end = Math.min(start + size, days);
    let reviews = 0;
    let seconds = 0;
    for (let day = start; day < end; day++) {
      reviews += simulation.daily_review_count[day] + simulation.daily_new_count[day];
      seconds += simulation.daily_time_seconds[day];
    }
    buckets.push({ firstDay: start + 1, lastDay: end, reviews: reviews / (end - start), minutes: seconds / 60 / (end - start) });
  }
  return buckets;
}

function NumberField(props: { label: string; value: number; min: number; max: number; step?: number; onChange: (value: number) => void }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        type="number"
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        value={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
      />
    </label>
  );
}

export function FsrsSimulator({
  presetId,
  preset,
  params,
  retention: desiredRetention,
  onRetention,
}: {
  presetId: number;
  preset: Preset;
  params: number[];
  /** The desired retention in use (this deck's own, else the preset's), and how to change it. */
  retention: number;
  onRetention: (retention: number) => void;
}) {
  const simulate = useSimulateFsrs(presetId);
  const optimal = useOptimalRetention(presetId);
  const [days, setDays] = useState(365);
  const [extraCards, setExtraCards] = useState(0);
  const [newLimit, setNewLimit] = useState(preset.new_per_day);
  const [reviewLimit, setReviewLimit] = useState(preset.reviews_per_day);
  const [retention, setRetention] = useState(desiredRetention);
  const busy = simulate.isPending || optimal.isPending;

  const request = (): SimulationRequest => ({
    desired_retention: retention,
    days_to_simulate: days,
    additional_new_cards: extraCards,
    new_limit: newLimit,
    review_limit: reviewLimit,
    max_interval: preset.maximum_review_interval,
    params,
  });
  const run = () => {
    optimal.reset();
    simulate.mutate(request());
  };
  const decide = () => {
    simulate.reset();
    optimal.mutate(request());
  };

  const error = simulate.error ?? optimal.error;
  return (
    <details className="fsrs-simulator">
      <summary>Retention simulator</summary>
      <p className="muted small">
        Simulates your new cards (and any extra ones) answered as you answer, with the limits below. Nothing is saved.
      </p>
      <div className="fsrs-simulator-inputs">
        <NumberField label="Days to simulate" value={days} min={1} max={3650} onChange={setDays} />
        <NumberField label="Extra new cards" value={extraCards} min={0} max={50000} onChange={setExtraCards} />
        <NumberField label="New cards/day" value={newLimit} min={0} max={9999} onChange={setNewLimit} />
        <NumberField label="Maximum reviews/day" value={reviewLimit} min={0} max={9999} onChange={setReviewLimit} />
        <NumberField label="Retention to simulate" value={retention} min={0.7} max={0.99} step={0.01} onChange={setRetention} />
      </div>
      <div className="fsrs-actions">
        <button type="button" className="button button--small" onClick={run} disabled={busy}>
          {simulate.isPending ? "Simulating…" : "Simulate"}
        </button>
        <button type="button" className="button button--small" onClick={decide} disabled={busy}>
          {optimal.isPending ? "Deciding…" : "Help me decide"}
        </button>
        {busy && (
          <span className="fsrs-progress" role="progressbar" aria-label="Simulating">
            <span className="fsrs-spinner" aria-hidden="true" />
            Simulating
          </span>
        )}
      </div>
      {error && (
        <p role="alert" className="fsrs-note fsrs-note--error">
          {fsrsErrorMessage(error)}
        </p>
      )}
      {optimal.data && (
        <div role="status" className="fsrs-note fsrs-note--ok fsrs-optimal">
          <span>
            Suggested desired retention: <strong>{optimal.data.optimal_retention.toFixed(2)}</strong> (least study time per
            card remembered, {optimal.data.studied_cards} studied and {optimal.data.new_cards} new cards).
          </span>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              const value = Number(optimal.data.optimal_retention.toFixed(2));
              setRetention(value);
              onRetention(value);
            }}
          >
            Use {optimal.data.optimal_retention.toFixed(2)}
          </button>
        </div>
      )}
      {simulate.data && <SimulationResult simulation={simulate.data} />}
    </details>
  );
}

function SimulationResult({ simulation }: { simulation: Simulation }) {
  const buckets = bucketDays(simulation);
  const days = simulation.days_to_simulate;
  const reviews = simulation.daily_review_count.reduce((a, b) => a + b, 0);
  const learned = simulation.daily_new_count.reduce((a, b) => a + b, 0);
  const minutes = simulation.daily_time_seconds.reduce((a, b) => a + b, 0) / 60;
  const remembered = simulation.memorized[simulation.memorized.length - 1] ?? 0;
  const highest = Math.max(1, ...buckets.map((b) => b.reviews));
  const perBar = buckets.length > 0 ? buckets[0].lastDay - buckets[0].firstDay + 1 : 1;
  return (
    <div className="fsrs-simulation" role="region" aria-label="Simulation result">
      <dl className="fsrs-summary">
        <div>
          <dt>Reviews/day</dt>
          <dd>{(reviews / days).toFixed(1)}</dd>
        </div>
        <div>
          <dt>Minutes/day</dt>
          <dd>{(minutes / days).toFixed(1)}</dd>
        </div>
        <div>
          <dt>New cards learned</dt>
          <dd>{learned}</dd>
        </div>
        <div>
          <dt>Remembered at the end</dt>
          <dd>{Math.round(remembered)}</dd>
        </div>
      </dl>
      <div
        className="fsrs-chart"
        role="img"
        aria-label={`Cards studied per day over ${days} days, highest ${Math.round(highest)}`}
      >
        {buckets.map((bucket) => (
          <span
            key={bucket.firstDay}
            className="fsrs-bar"
            style={{ height: `${(bucket.reviews / highest) * 100}%` }}
            title={`Day ${bucket.firstDay}${bucket.lastDay > bucket.firstDay ? `–${bucket.lastDay}` : ""}: ${bucket.reviews.toFixed(1)} cards, ${bucket.minutes.toFixed(1)} min a day`}
          />
        ))}
      </div>
      <p className="muted small">
        Cards studied (reviews and new) per day{perBar > 1 ? `, averaged over ${perBar} days a bar` : ""}.
        {simulation.studied_cards_left_out > 0 &&
          ` The ${simulation.studied_cards_left_out} cards you have already studied are not part of this simulation.`}
      </p>
    </div>
  );
}
