/**
 * The tabs Anki's deck options put above a value a deck may override: "Preset", "This deck"
 * (and for limits "Today only"); the selected tab says which value is shown and edited.
 */
export function OverrideTabs<Tab extends string>({
  label,
  tabs,
  selected,
  onSelect,
}: {
  label: string;
  tabs: readonly (readonly [Tab, string])[];
  selected: Tab;
  onSelect: (tab: Tab) => void;
}) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map(([tab, name]) => (
        <button key={tab} type="button" role="tab" className="tab" aria-selected={selected === tab} onClick={() => onSelect(tab)}>
          {name}
        </button>
      ))}
    </div>
  );
}
