import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DeckSelect } from "../decks/DeckSelect";
import { useDeckTree } from "../decks/api";
import { flattenDecks } from "../decks/deckTree";
import { exportPackage, isTextFile, useImportJob, useStartImport, type ImportReport, type TextChoices } from "./api";
import { ImportReportView } from "./ImportReportView";
import { TextImportForm } from "./TextImportForm";

type ExportFormat = "apkg" | "txt";
type TextExportOption = "with_html" | "with_tags" | "with_deck" | "with_notetype" | "with_guid";

/** Anki's options for Notes in Plain Text, in its export dialog's words. */
const TEXT_EXPORT_OPTIONS: { key: TextExportOption; label: string }[] = [
  { key: "with_html", label: "Include HTML and media references" },
  { key: "with_tags", label: "Include tags" },
  { key: "with_deck", label: "Include deck name" },
  { key: "with_notetype", label: "Include note type name" },
  { key: "with_guid", label: "Include unique identifier (later imports update these notes)" },
];

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

export default function TransferPage() {
  const [params] = useSearchParams();
  const deckList = flattenDecks(useDeckTree().data ?? []);
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<number>(0);
  const [deckId, setDeckId] = useState<number | null>(params.get("deck") ? Number(params.get("deck")) : null);
  const [scheduling, setScheduling] = useState(true);
  const [media, setMedia] = useState(true);
  const [forNewAnki, setForNewAnki] = useState(false);
  const [format, setFormat] = useState<ExportFormat>("apkg");
  const [textOptions, setTextOptions] = useState<Record<TextExportOption, boolean>>({
    with_html: true,
    with_tags: true,
    with_deck: true,
    with_notetype: true,
    with_guid: true,
  });
  /** Counts the files chosen: a new one starts its text import dialog afresh. */
  const [fileCount, setFileCount] = useState(0);
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
      ? (job.error?.message ?? "The file could not be imported.")
      : null;
  const text = file !== null && isTextFile(file.name);
  const busy = uploading || processing !== null;

  const chooseFile = (chosen: File | null) => {
    setFile(chosen);
    setFileCount((n) => n + 1);
    startImport.reset();
  };

  const importFile = (choices?: TextChoices) => {
    if (!file) return;
    setError(null);
    setUpload(0);
    startImport.mutate({ file, text: choices });
  };

  const runImport = (event: React.FormEvent) => {
    event.preventDefault();
    importFile();
  };

  const runExport = async () => {
    setError(null);
    setExporting(true);
    try {
      const { blob, filename } = await exportPackage(
        format === "txt"
          ? { format, deck_id: deckId ?? undefined, ...textOptions }
          : { deck_id: deckId ?? undefined, scheduling, media, layout: forNewAnki ? "current" : "legacy" },
      );
      const deck = deckList.find((d) => d.id === deckId);
      saveBlob(blob, filename ?? `${deck ? deck.name.replace(/::/g, "-") : "collection"}.${format}`);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setExporting(false);
    }
  };

  const progress = (uploading || processing) && (
    <div className="upload" data-testid="upload-progress">
      <progress max={1} value={processing ? processing.progress : upload} aria-label={processing ? "Import progress" : "Upload progress"} />
      <span className="muted small" role="status">
        {processing
          ? `Importing (${processing.stage || "working"})… ${Math.round(processing.progress * 100)}%`
          : `Uploading ${Math.round(upload * 100)}%`}
      </span>
    </div>
  );

  return (
    <section className="page page--narrow">
      <h1>Import / Export</h1>
      <ErrorNotice message={error ?? importError} onDismiss={() => (error ? setError(null) : startImport.reset())} />
      <div className="panel form" role="group" aria-labelledby="import-heading">
        <h2 id="import-heading">Import</h2>
        <p className="muted small">
          An .apkg file from Anki (any version), with its media and review history; or a text file (.csv, .tsv, .txt)
          with a note on each row, as Anki's text import reads it.
        </p>
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
            accept=".apkg,.colpkg,.csv,.tsv,.txt"
            aria-label="Package file or text file"
            onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
          />
          <span className="dropzone-title">{file ? file.name : "Choose a package or a text file, or drop it here"}</span>
          <span className="muted small">
            {file ? `${(file.size / 1024 / 1024).toFixed(2)} MB` : ".apkg exported from Anki, or .csv / .tsv / .txt"}
          </span>
        </label>
        {text ? (
          <TextImportForm key={fileCount} file={file} busy={busy} onImport={importFile} />
        ) : (
          <form onSubmit={runImport} aria-label="Import">
            <div className="form-actions">
              <button type="submit" className="button button--primary" disabled={!file || busy}>
                Import
              </button>
            </div>
          </form>
        )}
        {progress}
        {report && <ImportReportView report={report} />}
      </div>
      <div className="panel form" role="group" aria-labelledby="export-heading">
        <h2 id="export-heading">Export</h2>
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
        <fieldset className="text-import-group transfer-format">
          <legend>Format</legend>
          <label className="check">
            <input type="radio" name="export-format" checked={format === "apkg"} onChange={() => setFormat("apkg")} />
            <span>Anki Deck Package (.apkg)</span>
          </label>
          <label className="check">
            <input type="radio" name="export-format" checked={format === "txt"} onChange={() => setFormat("txt")} />
            <span>Notes in Plain Text (.txt)</span>
          </label>
        </fieldset>
        {format === "apkg" ? (
          <>
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
          </>
        ) : (
          <>
            <p className="muted small">
              One note per line, tab-separated, as Anki writes it. No scheduling and no media files; it imports back here or
              into Anki.
            </p>
            {TEXT_EXPORT_OPTIONS.map(({ key, label }) => (
              <label key={key} className="check">
                <input
                  type="checkbox"
                  checked={textOptions[key]}
                  onChange={(e) => setTextOptions({ ...textOptions, [key]: e.target.checked })}
                />
                <span>{label}</span>
              </label>
            ))}
          </>
        )}
        <div className="form-actions">
          <button type="button" className="button button--primary" disabled={exporting} onClick={runExport}>
            {exporting ? "Preparing…" : `Export .${format}`}
          </button>
        </div>
      </div>
    </section>
  );
}
