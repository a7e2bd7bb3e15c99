/**
 * Anki's "Easy Days": how much of the usual review load each weekday takes (Normal, Reduced or
 * Minimum, stored as 1, 0.5 and 0). The load balancer applies them when it picks review
 * intervals, so its (collection-wide) switch sits here too.
 */
import type { Preset, PresetChanges } from "./api";
import { WEEKDAYS } from "./presetFields";

interface EasyDaysProps {
  preset: Preset;
  onChange: (changes: PresetChanges) => void;
  loadBalancer: boolean;
  onLoadBalancer: (on: boolean) => void;
}

const NORMAL_WEEK = [1, 1, 1, 1, 1, 1, 1];
// Anki's three steps: a day off, half a normal day's share, a normal day.
const LEVELS: [number, string][] = [
  [0, "Minimum"],
  [0.5, "Reduced"],
  [1, "Normal"],
];

/** Anki reads any share other than 0% and 100% as a reduced day. */
function easyDay(share: number): number {
  return share === 0 || share === 1 ? share : 0.5;
}

export function EasyDays({ preset, onChange, loadBalancer, onLoadBalancer }: EasyDaysProps) {
  const values = preset.easy_days_percentages.length === 7 ? preset.easy_days_percentages : NORMAL_WEEK;
  return (
    <fieldset className="panel deck-options-section">
      <legend>Easy Days</legend>
      <p className="muted small">How many reviews each weekday takes: a normal share, a reduced one, or as few as possible.</p>
      {WEEKDAYS.map((day, index) => (
        <label key={day} className="field deck-options-row">
          <span>{day}</span>
          <select
            value={String(easyDay(values[index]))}
            onChange={(e) => onChange({ easy_days_percentages: values.map((v, i) => (i === index ? Number(e.target.value) : v)) })}
          >
            {LEVELS.map(([level, label]) => (
              <option key={level} value={String(level)}>
                {label}
              </option>
            ))}
          </select>
        </label>
      ))}
      <label className="check">
        <input type="checkbox" checked={loadBalancer} onChange={(e) => onLoadBalancer(e.target.checked)} />
        <span>
          Load balancer <span className="muted small">(spreads reviews evenly over the days; easy days need it)</span>
        </span>
      </label>
    </fieldset>
  );
}
