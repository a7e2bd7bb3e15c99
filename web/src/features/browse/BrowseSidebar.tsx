import { useState } from "react";
import { errorMessage } from "../../lib/errors";
import { useBrowseSidebar, useDeleteSavedSearch } from "./api";

interface Item {
  name: string;
  search: string;
}

interface GroupProps {
  title: string;
  items: Item[];
  onSearch: (search: string, event: React.MouseEvent) => void;
  onDelete?: (name: string) => void;
  onSave?: () => void;
}

function Group({ title, items, onSearch, onDelete, onSave }: GroupProps) {
  if (!items.length && !onSave) return null;
  return (
    <details className="browse-sidebar__group" open>
      <summary>{title}</summary>
      {onSave && (
        <button type="button" className="browse-sidebar__save" onClick={onSave}>
          + Save current search
        </button>
      )}
      <ul>
        {items.map((item) => (
          <li key={`${title}:${item.name}`}>
            <button type="button" className="browse-sidebar__item" title={item.search} onClick={(e) => onSearch(item.search, e)}>
              {item.name}
            </button>
            {onDelete && (
              <button type="button" className="browse-sidebar__delete" aria-label={`Delete saved search ${item.name}`} onClick={() => onDelete(item.name)}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Saved searches, decks, note types, tags, flags and card states: a click runs its search
 * (with Ctrl, Shift or Alt combined with the current one, as in Anki);
 * the current search is saved, and a saved one deleted, from here. */
interface BrowseSidebarProps {
  /** The item's search with the click's modifiers (Ctrl/Cmd: AND, Shift: OR, Alt: NOT). */
  onSearch: (search: string, event: React.MouseEvent) => void;
  onSave: () => void;
  onError: (message: string) => void;
}

export function BrowseSidebar({ onSearch, onSave, onError }: BrowseSidebarProps) {
  const sidebar = useBrowseSidebar();
  const remove = useDeleteSavedSearch();
  const [open, setOpen] = useState(false); // on a phone the sidebar folds away above the table
  const data = sidebar.data;
  if (!data) return null;
  const deleteSaved = (name: string) => {
    if (!window.confirm(`Delete the saved search "${name}"?`)) return;
    remove.mutate(name, { onError: (caught) => onError(errorMessage(caught)) });
  };
  return (
    <nav className={`browse-sidebar${open ? " browse-sidebar--open" : ""}`} aria-label="Browse sidebar">
      <button type="button" className="button button--small browse-sidebar__toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "Hide sidebar" : "Sidebar: saved searches, decks, tags…"}
      </button>
      <Group title="Saved searches" items={data.saved_searches} onSearch={onSearch} onDelete={deleteSaved} onSave={onSave} />
      <Group title="Card states" items={data.card_states} onSearch={onSearch} />
      <Group title="Flags" items={data.flags} onSearch={onSearch} />
      <Group title="Decks" items={data.decks} onSearch={onSearch} />
      <Group title="Note types" items={data.notetypes} onSearch={onSearch} />
      <Group title="Tags" items={data.tags} onSearch={onSearch} />
    </nav>
  );
}
