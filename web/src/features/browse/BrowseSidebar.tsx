import { useBrowseSidebar } from "./api";

interface Item {
  name: string;
  search: string;
}

function Group({ title, items, onSearch }: { title: string; items: Item[]; onSearch: (search: string) => void }) {
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
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Saved searches, decks, note types, tags, flags and card states: a click runs its search. */
export function BrowseSidebar({ onSearch }: { onSearch: (search: string) => void }) {
  const sidebar = useBrowseSidebar();
  const data = sidebar.data;
  if (!data) return null;
  return (
    <nav className="browse-sidebar" aria-label="Browse sidebar">
      <Group title="Saved searches" items={data.saved_searches} onSearch={onSearch} />
      <Group title="Card states" items={data.card_states} onSearch={onSearch} />
      <Group title="Flags" items={data.flags} onSearch={onSearch} />
      <Group title="Decks" items={data.decks} onSearch={onSearch} />
      <Group title="Note types" items={data.notetypes} onSearch={onSearch} />
      <Group title="Tags" items={data.tags} onSearch={onSearch} />
    </nav>
  );
}
