import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DeckSelect } from "../decks/DeckSelect";
import { useDeckTree } from "../decks/api";
import { flattenDecks } from "../decks/deckTree";
import { exportPackage, useImportJob, useStartImport, type ImportReport } from "./api";

function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The import report's figures in the order a learner reads them; zero "problem" rows hidden. */
type ReportKey = Exclude<keyof ImportReport, "media_renamed" | "replaced_collection" | "text">;

const REPORT_ROWS: { key: ReportKey; label: string; hideZero?: boolean }[] = [
  { key: "notes_added", label: "Notes added" },
  { key: "cards_added", label: "Cards added" },
  { key: "notes_updated", label: "Notes updated" },
  { key: "notes_skipped", label: "Notes already there (skipped)" },
  { key: "revlog_added", label: "Review history entries" },
  { key: "media_added", label: "Media files added" },
  { key: "media_unchanged", label: "Media files already there", hideZero: true },
  { key: "decks_added", label: "New decks" },
  { key: "notetypes_added", label: "New note types" },
  { key: "notetypes_updated", label: "Note types updated", hideZero: true },
  { key: "cards_dropped", label: "Cards dropped (their note was missing)", hideZero: true },
];

function reportValue(value: number | string[]): string | null {
  if (Array.isArray(value)) return value.length ? value.join(", ") : null;
  return String(value);
}

export default function TransferPage() {
  const [params] = useSearchParams();
  const deckList = flattenDecks(useDeckTree().data ?? []);
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<number>(0);
  const [deckId, setDeckId] = useState<number | null>(params.get("deck") ? Number(params.get("deck")) : null);
  const [scheduling, setScheduling] = useState(true);
  const [media, setMedia] = useState(true);
  const [forNewAnki, setForNewAnki] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const startImport = useStartImport(setUpload);
  const job = useImportJob(startImport.data).data;
  const uploading = startImport.isPending;
  const processing = job?.status === "running" ? job : null;
  const report: ImportReport | null = job?.status === "done" ? job.report : null;
  const importError = startImport.error
    ? errorMessage(startImport.error)
    : job?.status === "failed"
      ? (job.error?.message ?? "The package could not be imported.")
      : null;

  const chooseFile = (chosen: File | null) => {
    setFile(chosen);
    startImport.reset();
  };

  const runImport = (event: React.FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setError(null);
    setUpload(0);
    startImport.mutate(file);
  };

  const runExport = async () => {
    setError(null);
    setExporting(true);
    try {
      const { blob, filename } = await exportPackage({
        deck_id: deckId ?? undefined,
        scheduling,
        media,
        layout: forNewAnki ? "current" : "legacy",
      });
      const deck = deckList.find((d) => d.id === deckId);
      saveBlob(blob, filename ?? `${deck ? deck.name.replace(/::/g, "-") : "collection"}.apkg`);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setExporting(false);
    }
  };

  const reportRows = report
    ? REPORT_ROWS.flatMap(({ key, label, hideZero }) => {
        const raw = report[key];
        const value = reportValue(raw);
        if (value === null || (hideZero && (raw === 0 || (Array.isArray(raw) && raw.length === 0)))) return [];
        return [{ key, label, value }];
      })
    : [];
  const warnings = report
    ? Object.entries(report.media_renamed).map(([from, to]) => `Media file “${from}” was saved as “${to}” (a different file had that name).`)
    : [];

  return (
    <section className="page page--narrow">
      <h1>Import / Export</h1>
      <ErrorNotice message={error ?? importError} onDismiss={() => (error ? setError(null) : startImport.reset())} />
      <form className="panel form" onSubmit={runImport} aria-label="Import">
        <h2>Import an Anki package</h2>
        <p className="muted small">An .apkg file from Anki (any version), with its media and review history.</p>
        <label
          className={`dropzone${dragging ? " dropzone--active" : ""}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            const dropped = e.dataTransfer.files?.[0];
            if (dropped) chooseFile(dropped);
          }}
        >
          <input
            type="file"
            accept=".apkg,.colpkg"
            aria-label="Package file"
            onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
          />
          <span className="dropzone-title">{file ? file.name : "Choose a package, or drop it here"}</span>
          <span className="muted small">
            {file ? `${(file.size / 1024 / 1024).toFixed(2)} MB` : ".apkg exported from Anki"}
          </span>
        </label>
        {(uploading || processing) && (
          <div className="upload" data-testid="upload-progress">
            <progress max={1} value={processing ? 1 : upload} />
            <span className="muted small">
              {processing
                ? `Importing (${processing.stage || "working"})… ${Math.round(processing.progress * 100)}%`
                : `Uploading ${Math.round(upload * 100)}%`}
            </span>
          </div>
        )}
        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={!file || uploading || processing !== null}>
            Import
          </button>
        </div>
        {report && (
          <div className="report" role="status" data-testid="import-report">
            <h3>Imported</h3>
            <dl>
              {reportRows.map(({ key, label, value }) => (
                <div key={key} className="report-row">
                  <dt>{label}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
            {warnings.length > 0 && (
              <ul className="warnings">
                {warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            )}
          </div>
        )}
      </form>
      <div className="panel form" aria-label="Export">
        <h2>Export</h2>
        <label className="field">
          <span>What</span>
          <DeckSelect
            label="Deck to export"
            value={deckId}
            placeholder="Everything (whole collection)"
            onChange={setDeckId}
            onClear={() => setDeckId(null)}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={scheduling} onChange={(e) => setScheduling(e.target.checked)} />
          <span>Include scheduling (review history and due dates)</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={media} onChange={(e) => setMedia(e.target.checked)} />
          <span>Include media (images and sounds)</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={forNewAnki} onChange={(e) => setForNewAnki(e.target.checked)} />
          <span>
            In the format of Anki 2.1.50 and newer (smaller for big collections)
            <span className="muted small"> — older Anki versions can't open it; leave off if unsure.</span>
          </span>
        </label>
        <div className="form-actions">
          <button type="button" className="button button--primary" disabled={exporting} onClick={runExport}>
            {exporting ? "Preparing…" : "Export .apkg"}
          </button>
        </div>
      </div>
    </section>
  );
}
