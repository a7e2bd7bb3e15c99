/** One preset option as an input of the kind its field says (number, percent, steps, choice, switch). */
import type { ReactNode } from "react";
import type { Preset, PresetChanges } from "./api";
import type { OptionField } from "./presetFields";
import { stepsText } from "./steps";

interface OptionInputProps {
  field: OptionField;
  preset: Preset;
  steps: string | undefined;
  onSteps: (text: string) => void;
  onChange: (changes: PresetChanges) => void;
}

export function OptionInput({ field, preset, steps, onSteps, onChange }: OptionInputProps) {
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
  let input: ReactNode;
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
