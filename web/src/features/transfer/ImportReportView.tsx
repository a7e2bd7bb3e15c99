/** What an import did: the counts every import has, and for a text file the rows in Anki's
 * categories (new, updated, duplicates, conflicting, problems with their row numbers). */
import type { ImportReport, TextReport } from "./api";

/** The import report's figures in the order a learner reads them; zero "problem" rows hidden. */
type ReportKey = Exclude<keyof ImportReport, "media_renamed" | "replaced_collection" | "text">;

const REPORT_ROWS: { key: ReportKey; label: string; hideZero?: boolean; packageOnly?: boolean }[] = [
  { key: "notes_added", label: "Notes added" },
  { key: "cards_added", label: "Cards added" },
  { key: "notes_updated", label: "Notes updated" },
  { key: "notes_skipped", label: "Notes already there (skipped)" },
  { key: "revlog_added", label: "Review history entries", packageOnly: true },
  { key: "media_added", label: "Media files added", packageOnly: true },
  { key: "media_unchanged", label: "Media files already there", hideZero: true },
  { key: "decks_added", label: "New decks" },
  { key: "notetypes_added", label: "New note types", packageOnly: true },
  { key: "notetypes_updated", label: "Note types updated", hideZero: true },
  { key: "cards_dropped", label: "Cards dropped (their note was missing)", hideZero: true },
];

/** Anki's import log categories for text rows; the first-field ones only when they happened. */
const TEXT_ROWS: { key: keyof TextReport & string; label: string; hideZero?: boolean }[] = [
  { key: "new", label: "New" },
  { key: "updated", label: "Updated" },
  { key: "first_field_match_updated", label: "Updated (same first field)", hideZero: true },
  { key: "first_field_match_added", label: "Added although the first field matched", hideZero: true },
  { key: "first_field_match_skipped", label: "Kept current (same first field, row skipped)", hideZero: true },
  { key: "duplicate", label: "Duplicates (identical, unchanged)" },
  { key: "conflicting", label: "Conflicting (a note of another note type)" },
  { key: "problem_count", label: "Problems" },
];

const PROBLEMS: Record<TextReport["problems"][number]["reason"], string> = {
  empty_first_field: "the first field is empty",
  missing_notetype: "no note type of that name",
  missing_deck: "no deck of that name",
};

function reportValue(value: number | string[]): string | null {
  if (Array.isArray(value)) return value.length ? value.join(", ") : null;
  return String(value);
}

export function ImportReportView({ report }: { report: ImportReport }) {
  const text = report.text ?? null;
  const rows = REPORT_ROWS.flatMap(({ key, label, hideZero, packageOnly }) => {
    const raw = report[key];
    const value = reportValue(raw);
    if (value === null || (text && packageOnly)) return [];
    if (hideZero && (raw === 0 || (Array.isArray(raw) && raw.length === 0))) return [];
    return [{ key, label, value }];
  });
  const warnings = Object.entries(report.media_renamed).map(
    ([from, to]) => `Media file “${from}” was saved as “${to}” (a different file had that name).`,
  );
  return (
    <div className="report" role="status" data-testid="import-report">
      <h3>Imported</h3>
      <dl>
        {rows.map(({ key, label, value }) => (
          <div key={key} className="report-row">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {text && (
        <section className="text-import-report" data-testid="text-report" aria-label="Rows of the file">
          <h4>
            Rows of the file: {text.found_notes}
          </h4>
          <dl>
            {TEXT_ROWS.filter(({ key, hideZero }) => !hideZero || text[key] !== 0).map(({ key, label }) => (
              <div key={key} className="report-row">
                <dt>{label}</dt>
                <dd>{String(text[key])}</dd>
              </div>
            ))}
          </dl>
          {text.problems.length > 0 && (
            <ul className="warnings" aria-label="Rows not imported">
              {text.problems.map(({ row, reason }) => (
                <li key={`${row}-${reason}`}>
                  Row {row}: {PROBLEMS[reason]}
                </li>
              ))}
              {text.problem_count > text.problems.length && (
                <li>…and {text.problem_count - text.problems.length} more</li>
              )}
            </ul>
          )}
        </section>
      )}
      {warnings.length > 0 && (
        <ul className="warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
