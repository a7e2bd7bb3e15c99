import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { components } from "../../api/schema.gen";
import { deckNode, importJob, importReport } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import { PREVIEW_BYTES } from "./api";
import TransferPage from "./TransferPage";

type TextPreview = components["schemas"]["TextPreviewSchema"];

const BASIC = { id: 11, name: "Basic", fields: ["Front", "Back"], templates: ["Card 1"], is_cloze: false, note_count: 0 };
const REVERSED = {
  id: 12,
  name: "Basic (optional reversed card)",
  fields: ["Front", "Back", "Add Reverse"],
  templates: ["Card 1", "Card 2"],
  is_cloze: false,
  note_count: 0,
};

function preview(overrides: Partial<TextPreview> = {}): TextPreview {
  return {
    separator: "comma",
    html: false,
    column_labels: ["word", "meaning", "tags"],
    column_count: 3,
    rows: [
      ["hund", "dog", "animal"],
      ["katze", "cat", "animal"],
    ],
    notetype_id: 11,
    field_names: ["Front", "Back"],
    field_columns: [1, 2],
    deck_id: 5,
    deck_name: null,
    tags_column: 3,
    tags: [],
    duplicates: "update",
    match_scope: "notetype",
    ...overrides,
  };
}

interface Sent {
  url: string;
  fields: Record<string, string>;
  file: Blob | null;
}

/** The uploads (XMLHttpRequest, for progress): what each sent, answered by `answer`. */
class RecordingXhr {
  static sent: Sent[] = [];
  static answer: (sent: Sent) => { status: number; body: unknown } = () => ({ status: 500, body: null });
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  status = 0;
  responseText = "";
  private url = "";
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader() {}
  getResponseHeader() {
    return null;
  }
  send(form: FormData) {
    const fields: Record<string, string> = {};
    let file: Blob | null = null;
    form.forEach((value, name) => {
      if (name === "file") file = value as Blob;
      else fields[name] = String(value);
    });
    const sent = { url: new URL(this.url).pathname, fields, file };
    RecordingXhr.sent.push(sent);
    queueMicrotask(() => {
      const { status, body } = RecordingXhr.answer(sent);
      this.upload.onprogress?.({ lengthComputable: true, loaded: 1, total: 1 });
      this.status = status;
      this.responseText = JSON.stringify(body);
      this.onload?.();
    });
  }
}

const previews = () => RecordingXhr.sent.filter((s) => s.url === "/api/import/text/preview");
const imports = () => RecordingXhr.sent.filter((s) => s.url === "/api/import");

function setup(answerPreview: (fields: Record<string, string>) => TextPreview | Response = () => preview()) {
  RecordingXhr.answer = (sent) => {
    if (sent.url === "/api/import") return { status: 202, body: importJob() };
    const answer = answerPreview(sent.fields);
    if (answer instanceof Response) return { status: answer.status, body: { error: { code: "invalid_text_file", message: answer.statusText } } };
    return { status: 200, body: answer };
  };
  server.use(
    on("get", "/api/decks", () => ({ decks: [deckNode(5, "Lang"), deckNode(6, "Words")] })),
    on("get", "/api/notetypes", () => ({ notetypes: [BASIC, REVERSED] })),
    on("get", "/api/import/{job_id}", () => importJob({ status: "done", progress: 1, stage: "done", report: importReport() })),
  );
  logIn();
  renderPage(<TransferPage />, { path: "/transfer" });
}

function chooseFile(name = "words.csv", content = "word,meaning,tags\nhund,dog,animal\n") {
  fireEvent.change(screen.getByLabelText("Package file or text file"), { target: { files: [new File([content], name)] } });
}

beforeEach(() => {
  RecordingXhr.sent = [];
  vi.stubGlobal("XMLHttpRequest", RecordingXhr);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("Text import", () => {
  it("previews a chosen text file's first rows with Anki's starting choices", async () => {
    setup();
    chooseFile();
    const table = await screen.findByTestId("text-preview");
    const headers = within(table).getAllByRole("columnheader").map((th) => th.textContent);
    expect(headers).toEqual(["word", "meaning", "tags"]);
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(within(table).getByText("katze")).toBeTruthy();
    expect((screen.getByLabelText("Field separator") as HTMLSelectElement).value).toBe("comma");
    expect((screen.getByLabelText("Allow HTML in fields") as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText("Note type") as HTMLSelectElement).value).toBe("11");
    await waitFor(() => expect((screen.getByLabelText("Deck") as HTMLSelectElement).value).toBe("5"));
    expect((screen.getByLabelText("Column for Front") as HTMLSelectElement).value).toBe("1");
    expect((screen.getByLabelText("Column for Back") as HTMLSelectElement).value).toBe("2");
    expect((screen.getByLabelText("Column for tags") as HTMLSelectElement).value).toBe("3");
    expect(screen.getByRole("option", { name: "Column 2: meaning", selected: true })).toBeTruthy();
    expect(previews()).toHaveLength(1);
    expect(previews()[0].fields).toEqual({});
  });

  it("sends only the file's beginning to preview a big file", async () => {
    setup();
    chooseFile("big.tsv", "a\tb\n".repeat(PREVIEW_BYTES));
    await screen.findByTestId("text-preview");
    expect(previews()[0].file?.size).toBe(PREVIEW_BYTES);
  });

  it("asks for a new preview when the separator, HTML or note type change, and maps fields again", async () => {
    setup((fields) =>
      fields.notetype_id === "12"
        ? preview({ notetype_id: 12, field_names: ["Front", "Back", "Add Reverse"], field_columns: [1, 2, 0], tags_column: 3 })
        : fields.separator === "semicolon"
          ? preview({ separator: "semicolon", column_labels: [""], column_count: 1, rows: [["hund,dog,animal"]], field_columns: [1, 0], tags_column: 0 })
          : preview(),
    );
    chooseFile();
    await screen.findByTestId("text-preview");

    fireEvent.change(screen.getByLabelText("Field separator"), { target: { value: "semicolon" } });
    await waitFor(() => expect(screen.getByText("hund,dog,animal")).toBeTruthy());
    expect(previews().at(-1)?.fields).toEqual({ separator: "semicolon" });
    expect((screen.getByLabelText("Column for Back") as HTMLSelectElement).value).toBe("0");

    fireEvent.change(screen.getByLabelText("Field separator"), { target: { value: "comma" } });
    await waitFor(() => expect(screen.getByText("katze")).toBeTruthy());
    fireEvent.click(screen.getByLabelText("Allow HTML in fields"));
    await waitFor(() => expect(previews().at(-1)?.fields).toEqual({ separator: "comma", html: "true" }));

    fireEvent.change(screen.getByLabelText("Note type"), { target: { value: "12" } });
    await screen.findByLabelText("Column for Add Reverse");
    expect(previews().at(-1)?.fields).toEqual({ separator: "comma", html: "true", notetype_id: "12" });
    expect((screen.getByLabelText("Column for Add Reverse") as HTMLSelectElement).value).toBe("0");
  });

  it("imports with the learner's mapping, deck, tags and duplicate handling", async () => {
    setup();
    let polls = 0;
    server.use(
      on("get", "/api/import/{job_id}", () => {
        polls += 1;
        return polls < 2
          ? importJob({ progress: 0.5, stage: "notes" })
          : importJob({
              status: "done",
              progress: 1,
              stage: "done",
              report: importReport({
                notes_added: 2,
                cards_added: 2,
                notes_skipped: 2,
                text: {
                  found_notes: 4,
                  dupe_resolution: "preserve",
                  new: 2,
                  updated: 0,
                  first_field_match_updated: 0,
                  first_field_match_added: 0,
                  first_field_match_skipped: 1,
                  duplicate: 0,
                  conflicting: 0,
                  problem_count: 1,
                  problems: [{ row: 4, reason: "empty_first_field" }],
                },
              }),
            });
      }),
    );
    chooseFile();
    await screen.findByTestId("text-preview");
    fireEvent.change(screen.getByLabelText("Column for Front"), { target: { value: "2" } });
    fireEvent.change(screen.getByLabelText("Column for Back"), { target: { value: "1" } });
    fireEvent.change(screen.getByLabelText("Column for tags"), { target: { value: "0" } });
    await waitFor(() => expect((screen.getByLabelText("Deck") as HTMLSelectElement).value).toBe("5"));
    fireEvent.change(screen.getByLabelText("Deck"), { target: { value: "6" } });
    fireEvent.change(screen.getByLabelText("Tags added to all notes"), { target: { value: " german  lesson1 " } });
    fireEvent.change(screen.getByLabelText("Tags added to updated notes"), { target: { value: "changed" } });
    fireEvent.change(screen.getByLabelText("When a note is already there"), { target: { value: "preserve" } });
    fireEvent.change(screen.getByLabelText("Look for existing notes of"), { target: { value: "notetype_and_deck" } });
    fireEvent.click(screen.getByRole("button", { name: "Import" }));

    const report = await screen.findByTestId("import-report", {}, { timeout: 3000 });
    expect(imports()).toHaveLength(1);
    expect(imports()[0].fields).toEqual({
      separator: "comma",
      html: "false",
      notetype_id: "11",
      deck_id: "6",
      field_columns: "2,1",
      tags_column: "0",
      tags: "german  lesson1",
      updated_tags: "changed",
      duplicates: "preserve",
      match_scope: "notetype_and_deck",
    });
    expect((imports()[0].file as File).name).toBe("words.csv");
    const text = within(report).getByTestId("text-report");
    expect(text.textContent).toContain("Rows of the file: 4");
    expect(text.textContent).toContain("New2");
    expect(text.textContent).toContain("Kept current (same first field, row skipped)1");
    expect(text.textContent).toContain("Conflicting (a note of another note type)0");
    expect(text.textContent).toContain("Problems1");
    expect(within(text).getByText("Row 4: the first field is empty")).toBeTruthy();
    expect(report.textContent).toContain("Notes added2");
    expect(report.textContent).not.toContain("Review history entries");
  });

  it("offers a new deck the file names and a note type from a column", async () => {
    setup(() => preview({ deck_id: null, deck_name: "From file", notetype_id: null, field_names: [], field_columns: [] }));
    chooseFile();
    await screen.findByTestId("text-preview");
    expect(screen.getByRole("option", { name: "From file (new deck named in the file)", selected: true })).toBeTruthy();
    expect(screen.getByRole("option", { name: "From a column of the file", selected: true })).toBeTruthy();
    expect(screen.queryByLabelText("Column for Front")).toBeNull();
    await waitFor(() => expect(within(screen.getByLabelText("Deck")).getByRole("option", { name: "Words" })).toBeTruthy());
    fireEvent.change(screen.getByLabelText("Deck"), { target: { value: "6" } });
    fireEvent.change(screen.getByLabelText("Deck"), { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Import" }));
    await waitFor(() => expect(imports()).toHaveLength(1));
    expect(imports()[0].fields).not.toHaveProperty("deck_id");
    expect(imports()[0].fields).not.toHaveProperty("notetype_id");
    expect(imports()[0].fields).not.toHaveProperty("field_columns");
  });

  it("tells why a bad file can't be imported and offers no Import", async () => {
    setup(() => new Response(null, { status: 400, statusText: "the file is not UTF-8 text (byte 3); save it as UTF-8 and retry" }));
    chooseFile("latin1.txt", "caf\u00e9");
    expect((await screen.findByRole("alert")).textContent).toContain("not UTF-8 text");
    expect(screen.queryByRole("button", { name: "Import" })).toBeNull();
    expect(screen.queryByTestId("text-preview")).toBeNull();
  });

  it("keeps packages on the plain import form", async () => {
    setup();
    chooseFile("deck.apkg", "PK");
    expect(screen.getByRole("button", { name: "Import" })).toBeTruthy();
    expect(screen.queryByLabelText("Field separator")).toBeNull();
    expect(previews()).toHaveLength(0);
  });
});

describe("Notes in Plain Text export", () => {
  it("exports the chosen deck as text with Anki's text options instead of the package's", async () => {
    const queries: URLSearchParams[] = [];
    const saved: string[] = [];
    server.use(
      on("get", "/api/export", ({ request }) => {
        queries.push(new URL(request.url).searchParams);
        return new Response("#separator:tab\n", {
          status: 200,
          headers: { "Content-Type": "application/octet-stream", "Content-Disposition": 'attachment; filename="Lang-2026-12-05.txt"' },
        });
      }),
    );
    vi.stubGlobal(
      "URL",
      class extends URL {
        static createObjectURL = () => "blob:text";
        static revokeObjectURL = () => undefined;
      },
    );
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    setup();
    await waitFor(() => expect(screen.getByRole("option", { name: "Lang" })).toBeTruthy());
    fireEvent.change(screen.getByLabelText("Deck to export"), { target: { value: "5" } });
    fireEvent.click(screen.getByLabelText("Notes in Plain Text (.txt)"));
    expect(screen.queryByLabelText(/Include scheduling/)).toBeNull();
    fireEvent.click(screen.getByLabelText("Include HTML and media references"));
    fireEvent.click(screen.getByLabelText(/Include unique identifier/));
    fireEvent.click(screen.getByRole("button", { name: "Export .txt" }));
    await waitFor(() => expect(saved).toEqual(["Lang-2026-12-05.txt"]));
    expect(Object.fromEntries(queries[0])).toEqual({
      format: "txt",
      deck_id: "5",
      with_html: "false",
      with_tags: "true",
      with_deck: "true",
      with_notetype: "true",
      with_guid: "false",
    });
  });
});
