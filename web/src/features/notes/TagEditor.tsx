/** Tags as space-separated words, with completion from the collection's tags (`a::b` too). */
import { useId, useState } from "react";
import { useTags } from "./api";
import { completeTag, tagSuggestions } from "./tagCompletion";

export function TagEditor({ value, onChange }: { value: string; onChange: (text: string) => void }) {
  const tags = useTags();
  const [highlighted, setHighlighted] = useState(0);
  const [open, setOpen] = useState(false);
  const listId = useId();
  const suggestions = open ? tagSuggestions(value, tags.data ?? []) : [];
  const choose = (tag: string) => {
    onChange(completeTag(value, tag));
    setHighlighted(0);
  };
  return (
    <div className="tag-editor">
      <input
        aria-label="Tags"
        placeholder="space separated, e.g. verbs spanish::chapter1"
        value={value}
        role="combobox"
        aria-expanded={suggestions.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        autoComplete="off"
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onChange={(event) => {
          onChange(event.target.value);
          setOpen(true);
          setHighlighted(0);
        }}
        onKeyDown={(event) => {
          if (suggestions.length === 0 || event.ctrlKey || event.metaKey) return;
          if (event.key === "ArrowDown" || event.key === "ArrowUp") {
            event.preventDefault();
            const step = event.key === "ArrowDown" ? 1 : -1;
            setHighlighted((h) => (h + step + suggestions.length) % suggestions.length);
          } else if (event.key === "Tab" || event.key === "Enter") {
            event.preventDefault();
            choose(suggestions[Math.min(highlighted, suggestions.length - 1)]!);
          } else if (event.key === "Escape") {
            setOpen(false);
          }
        }}
      />
      {suggestions.length > 0 && (
        <ul className="tag-editor__suggestions" role="listbox" id={listId}>
          {suggestions.map((tag, index) => (
            <li
              key={tag}
              role="option"
              aria-selected={index === highlighted}
              className={index === highlighted ? "tag-editor__suggestion--on" : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                choose(tag);
              }}
            >
              {tag}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
