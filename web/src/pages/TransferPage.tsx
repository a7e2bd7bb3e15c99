import { useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { decks, transfer, type DeckNode, type ImportReport } from "../api/client";
import { ErrorNotice, errorMessage } from "../components/ErrorNotice";
import { flattenDecks } from "./deckList";

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

const REPORT_LABELS: Record<string, string> = {
  notes_added: "Notes added",
  notes_updated: "Notes updated",
  notes_skipped: "Notes skipped (already there)",
  duplicates: "Duplicates",
  cards_added: "Cards added",
  decks_added: "Decks added",
  notetypes_added: "Note types added",
  media_added: "Media files added",
  revlog_added: "Review history entries added",
};

export default function TransferPage() {
  const [params] = useSearchParams();
  const [deckList, setDeckList] = useState<DeckNode[]>([]);
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<number | null>(null);
  const [processing, setProcessing] = useState<ImportReport | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [deckId, setDeckId] = useState<number | null>(params.get("deck") ? Number(params.get("deck")) : null);
  const [scheduling, setScheduling] = useState(true);
  const [media, setMedia] = useState(true);
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    decks
      .tree()
      .then((tree) => setDeckList(flattenDecks(tree)))
      .catch((caught: unknown) => setError(errorMessage(caught)));
  }, []);

  const runImport = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setError(null);
    setReport(null);
    setUpload(0);
    try {
      const done = await transfer.importPackage(file, setUpload, setProcessing);
      if (done.error || done.status === "failed" || done.status === "error") {
        setError(done.error ?? "The package could not be imported.");
      } else {
        setReport(done);
      }
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setProcessing(null);
      setUpload(null);
    }
  };

  const runExport = async () => {
    setError(null);
    setExporting(true);
    try {
      const { blob, filename } = await transfer.exportPackage({ deckId, scheduling, media });
      const deck = deckList.find((d) => d.id === deckId);
      saveBlob(blob, filename ?? `${deck ? deck.name.replace(/::/g, "-") : "collection"}.apkg`);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setExporting(false);
    }
  };

  const reportRows = report?.report
    ? Object.entries(report.report).filter(([, value]) => typeof value === "number" || typeof value === "string")
    : [];
  const warnings = report?.report && Array.isArray(report.report.warnings) ? (report.report.warnings as string[]) : [];

  return (
    <section className="page page--narrow">
      <h1>Import / Export</h1>
      <ErrorNotice message={error} onDismiss={() => setError(null)} />
      <form className="panel form" onSubmit={runImport} aria-label="Import">
        <h2>Import an Anki package</h2>
        <p className="muted small">An .apkg file from Anki (any version), with its media and review history.</p>
        <input
          type="file"
          accept=".apkg,.colpkg"
          aria-label="Package file"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setReport(null);
          }}
        />
        {upload !== null && (
          <div className="upload" data-testid="upload-progress">
            <progress max={1} value={processing ? 1 : upload} />
            <span className="muted small">
              {processing
                ? `Importing… ${processing.progress ? `${Math.round(processing.progress * 100)}%` : ""}`
                : `Uploading ${Math.round(upload * 100)}%`}
            </span>
          </div>
        )}
        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={!file || upload !== null}>
            Import
          </button>
        </div>
        {report && (
          <div className="report" role="status" data-testid="import-report">
            <h3>Imported</h3>
            <dl>
              {reportRows.map(([key, value]) => (
                <div key={key} className="report-row">
                  <dt>{REPORT_LABELS[key] ?? key.replace(/_/g, " ")}</dt>
                  <dd>{String(value)}</dd>
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
          <select aria-label="Deck to export" value={deckId ?? ""} onChange={(e) => setDeckId(e.target.value ? Number(e.target.value) : null)}>
            <option value="">Everything (whole collection)</option>
            {deckList.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name.replace(/::/g, " › ")}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={scheduling} onChange={(e) => setScheduling(e.target.checked)} />
          <span>Include scheduling (review history and due dates)</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={media} onChange={(e) => setMedia(e.target.checked)} />
          <span>Include media (images and sounds)</span>
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
