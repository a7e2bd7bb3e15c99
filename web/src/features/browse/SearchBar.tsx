/** The browser's search box (Anki's search syntax). Mounted with `key={search}` so the text
 * follows the URL's search (a sidebar click, a link, Back). */
import { useState, type RefObject } from "react";

interface SearchBarProps {
  search: string;
  onSearch: (text: string) => void;
  inputRef?: RefObject<HTMLInputElement | null>;
}

export function SearchBar({ search, onSearch, inputRef }: SearchBarProps) {
  const [draft, setDraft] = useState(search);
  return (
    <form
      className="inline-form inline-form--grow browse-search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(draft.trim());
      }}
    >
      <input
        ref={inputRef}
        aria-label="Search"
        placeholder='Anki search, e.g. deck:Spanish tag:verbs is:due "front:*ar"'
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
      />
      <button className="button button--primary" type="submit">
        Search
      </button>
    </form>
  );
}
