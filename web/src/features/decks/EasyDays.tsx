/**
 * Anki's "Easy Days": how much of the usual review load each weekday takes (100% a normal day,
 * 0% a day off). The load balancer applies them when it picks review intervals, so its
 * (collection-wide) switch sits here too.
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

export function EasyDays({ preset, onChange, loadBalancer, onLoadBalancer }: EasyDaysProps) {
  const values = preset.easy_days_percentages.length === 7 ? preset.easy_days_percentages : NORMAL_WEEK;
  return (
    <fieldset className="panel deck-options-section">
      <legend>Easy Days</legend>
      <p className="muted small">Share of the usual reviews on each day (100% = a normal day, 0% = a day off).</p>
      {WEEKDAYS.map((day, index) => (
        <label key={day} className="field deck-options-row">
          <span>{day}</span>
          <input
            type="number"
            min={0}
            max={100}
            value={Math.round(values[index] * 100)}
            onChange={(e) => onChange({ easy_days_percentages: values.map((v, i) => (i === index ? Number(e.target.value) / 100 : v)) })}
          />
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
