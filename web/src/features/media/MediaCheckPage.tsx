/**
 * Check Media, as Anki's Tools → Check Media: files in the collection's media that no note,
 * template or style refers to (deleted after confirmation, all or the ones ticked), and files
 * notes refer to that are not there, each with the notes that use it (opened in the browser,
 * or tagged "missing-media" as Anki's Tag Missing does).
 */
import { useState } from "react";
import { Link } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { canPreview, MediaPreview } from "./MediaPreview";
import { MISSING_MEDIA_TAG, notesSearchLink, useDeleteUnusedMedia, useMediaCheck, useTagMissingMedia } from "./api";

function files(count: number): string {
  return count === 1 ? "1 file" : `${count} files`;
}

function notes(count: number): string {
  return count === 1 ? "1 note" : `${count} notes`;
}

export default function MediaCheckPage() {
  const check = useMediaCheck();
  const remove = useDeleteUnusedMedia();
  const tag = useTagMissingMedia();
  // Files the learner unticked; every other unused file is to be deleted.
  const [kept, setKept] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const [looking, setLooking] = useState<Set<string>>(new Set());

  const unused = check.data?.unused ?? [];
  const missing = check.data?.missing ?? [];
  const chosen = unused.filter((name) => !kept.has(name));
  const missingNoteIds = [...new Set(missing.flatMap((m) => m.note_ids))].sort((a, b) => a - b);
  const error = check.error ?? remove.error ?? tag.error;

  const flip = (set: Set<string>, name: string) => {
    const next = new Set(set);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    return next;
  };
  const toggle = (name: string) => setKept((old) => flip(old, name));

  const deleteChosen = () => {
    if (chosen.length === 0) return;
    if (!window.confirm(`Delete ${files(chosen.length)} no card uses? This cannot be undone.`)) return;
    setNotice(null);
    remove.mutate(chosen, {
      onSuccess: (deleted) => {
        setKept(new Set());
        setNotice(`Deleted ${files(deleted.length)}.`);
      },
    });
  };

  const tagMissing = () => {
    setNotice(null);
    tag.mutate(missingNoteIds, {
      onSuccess: (changed) => setNotice(`Tagged ${notes(changed)} "${MISSING_MEDIA_TAG}".`),
    });
  };

  return (
    <section className="page page--narrow media-check">
      <div className="page-head">
        <h1>Check media</h1>
        <button type="button" className="button" disabled={check.isFetching} onClick={() => void check.refetch()}>
          {check.isFetching ? "Checking…" : "Check again"}
        </button>
      </div>
      <p className="muted small">
        Pictures and sounds are kept in your collection's media. Here are the files no card uses and the files cards use that
        are missing.
      </p>
      <ErrorNotice message={error ? errorMessage(error) : null} />
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      {check.isPending && <p className="muted">Checking media…</p>}
      {check.isSuccess && unused.length === 0 && missing.length === 0 && (
        <p className="panel media-check__clean">No unused or missing files: every file is used and every file used is there.</p>
      )}

      {missing.length > 0 && (
        <section className="panel media-check__section" aria-labelledby="media-missing">
          <h2 id="media-missing">Missing files ({missing.length})</h2>
          <p className="muted small">These files are used on cards but are not in your media. The cards show them as missing.</p>
          <ul className="media-check__list">
            {missing.map((m) => (
              <li key={m.name}>
                <span className="media-check__name">{m.name}</span>
                <Link to={notesSearchLink(m.note_ids)} aria-label={`Notes using ${m.name}`}>
                  used by {notes(m.note_ids.length)}
                </Link>
              </li>
            ))}
          </ul>
          <div className="form-actions">
            <Link className="button" to={notesSearchLink(missingNoteIds)}>
              Browse these notes
            </Link>
            <button type="button" className="button" disabled={tag.isPending} onClick={tagMissing}>
              Tag missing
            </button>
          </div>
        </section>
      )}

      {unused.length > 0 && (
        <section className="panel media-check__section" aria-labelledby="media-unused">
          <h2 id="media-unused">Unused files ({unused.length})</h2>
          <p className="muted small">No note, card template or styling refers to these files.</p>
          <ul className="media-check__list">
            {unused.map((name) => (
              <li key={name}>
                <label>
                  <input type="checkbox" checked={!kept.has(name)} onChange={() => toggle(name)} />
                  <span className="media-check__name">{name}</span>
                </label>
                {canPreview(name) && (
                  <button
                    type="button"
                    className="button button--small"
                    aria-expanded={looking.has(name)}
                    aria-label={`${looking.has(name) ? "Hide" : "Show"} ${name}`}
                    onClick={() => setLooking((old) => flip(old, name))}
                  >
                    {looking.has(name) ? "Hide" : "Show"}
                  </button>
                )}
                {looking.has(name) && <MediaPreview name={name} />}
              </li>
            ))}
          </ul>
          <div className="form-actions">
            <button type="button" className="button button--danger" disabled={remove.isPending || chosen.length === 0} onClick={deleteChosen}>
              {chosen.length === unused.length ? "Delete unused" : `Delete ${files(chosen.length)}`}
            </button>
          </div>
        </section>
      )}
    </section>
  );
}
