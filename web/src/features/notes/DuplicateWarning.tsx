/** Anki's duplicate warning: the first field repeats another note of the same type. */
import { Link } from "react-router-dom";
import { useDuplicates } from "./api";

export function DuplicateWarning({ notetypeId, firstField, noteId }: { notetypeId: number | null; firstField: string; noteId?: number }) {
  const duplicates = useDuplicates(notetypeId, firstField, noteId);
  const ids = duplicates.data ?? [];
  if (ids.length === 0) return null;
  const search = `nid:${ids.join(",")}`;
  return (
    <p className="notice notice--warning" role="status">
      Duplicate: another note of this type has the same first field.{" "}
      <Link to={`/browse?search=${encodeURIComponent(search)}`}>Show duplicates</Link>
    </p>
  );
}
