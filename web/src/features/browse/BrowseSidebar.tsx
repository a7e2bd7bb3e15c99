import { errorMessage } from "../../lib/errors";
import { useBrowseSidebar, useDeleteSavedSearch } from "./api";

interface Item {
  name: string;
  search: string;
}

function Group({ title, items, onSearch, onDelete }: { title: string; items: Item[]; onSearch: (search: string) => void; onDelete?: (name: string) => void }) {
  if (!items.length) return null;
  return (
    <details className="browse-sidebar__group" open>
      <summary>{title}</summary>
      <ul>
        {items.map((item) => (
          <li key={`${title}:${item.name}`}>
            <button type="button" className="browse-sidebar__item" title={item.search} onClick={() => onSearch(item.search)}>
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

/** Saved searches, decks, note types, tags, flags and card states: a click runs its search;
 * a saved search can be deleted from here. */
export function BrowseSidebar({ onSearch, onError }: { onSearch: (search: string) => void; onError: (message: string) => void }) {
  const sidebar = useBrowseSidebar();
  const remove = useDeleteSavedSearch();
  const data = sidebar.data;
  if (!data) return null;
  const deleteSaved = (name: string) => {
    if (!window.confirm(`Delete the saved search "${name}"?`)) return;
    remove.mutate(name, { onError: (caught) => onError(errorMessage(caught)) });
  };
  return (
    <nav className="browse-sidebar" aria-label="Browse sidebar">
      <Group title="Saved searches" items={data.saved_searches} onSearch={onSearch} onDelete={deleteSaved} />
      <Group title="Card states" items={data.card_states} onSearch={onSearch} />
      <Group title="Flags" items={data.flags} onSearch={onSearch} />
      <Group title="Decks" items={data.decks} onSearch={onSearch} />
      <Group title="Note types" items={data.notetypes} onSearch={onSearch} />
      <Group title="Tags" items={data.tags} onSearch={onSearch} />
    </nav>
  );
}
