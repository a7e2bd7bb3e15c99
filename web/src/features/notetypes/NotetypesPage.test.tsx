import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import { ChangeNotetypeDialog } from "./ChangeNotetypeDialog";
import { changesSchema, NotetypeEditor } from "./NotetypeEditor";
import NotetypesPage from "./NotetypesPage";

const LIST = [
  { id: 1, name: "Basic", fields: ["Front", "Back"], templates: ["Card 1"], is_cloze: false, note_count: 3 },
  { id: 2, name: "Basic (and reversed card)", fields: ["Front", "Back"], templates: ["Card 1", "Card 2"], is_cloze: false, note_count: 0 },
];

const DETAIL = {
  id: 9,
  name: "My cloze",
  is_cloze: true,
  sort_field: 0,
  css: ".card {}",
  note_count: 0,
  fields: [
    { ord: 0, name: "Text", font: "Arial", size: 20, rtl: false, sticky: false, html_editor: false, collapsed: false, description: "", exclude_from_search: false },
  ],
  templates: [{ ord: 0, name: "Cloze", front: "{{cloze:Text}}", back: "{{cloze:Text}}", browser_front: "", browser_back: "", card_count: 0 }],
};

afterEach(() => vi.restoreAllMocks());

describe("NotetypesPage", () => {
  it("lists note types with note counts and deletes one after naming how many notes go", async () => {
    let list = [...LIST];
    const deleted: number[] = [];
    server.use(
      on("get", "/api/notetypes", () => ({ notetypes: list })),
      on("delete", "/api/notetypes/{notetype_id}", ({ params }) => {
        deleted.push(Number(params.notetype_id));
        list = list.filter((nt) => nt.id !== Number(params.notetype_id));
        return { deleted: 1, notes_deleted: 3, full_sync_required: true };
      }),
    );
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    logIn();
    renderPage(<NotetypesPage />);
    const row = (await screen.findByRole("button", { name: "Basic" })).closest("li") as HTMLElement;
    expect(within(row).getByText("3 notes")).toBeTruthy();
    fireEvent.click(within(row).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(deleted).toEqual([1]));
    expect(confirm.mock.calls[0][0]).toContain("its 3 notes");
    expect(await screen.findByRole("status")).toHaveProperty("textContent", expect.stringContaining("full sync"));
  });

  it("adds a stock note type", async () => {
    const bodies: unknown[] = [];
    server.use(
      on("get", "/api/notetypes", () => ({ notetypes: LIST })),
      on("post", "/api/notetypes", ({ body }) => {
        bodies.push(body);
        return { id: 9, full_sync_required: true };
      }),
      on("get", "/api/notetypes/{notetype_id}", () => DETAIL),
      on("post", "/api/notetypes/{notetype_id}/preview", ({ body }) => ({
        question: `shown: ${body!.front}`,
        answer: "",
        css: "",
        note_id: null,
      })),
    );
    logIn();
    renderPage(<NotetypesPage />);
    await screen.findByRole("button", { name: "Basic" });
    fireEvent.change(screen.getByLabelText("Add from"), { target: { value: "kind:cloze" } });
    fireEvent.change(screen.getByLabelText("New note type name"), { target: { value: "My cloze" } });
    fireEvent.click(screen.getByRole("button", { name: "Add note type" }));
    await waitFor(() => expect(bodies).toEqual([{ kind: "cloze", name: "My cloze" }]));
    expect(await screen.findByLabelText("Front template")).toHaveProperty("value", "{{cloze:Text}}");
    expect(await screen.findByText("Preview (sample)")).toBeTruthy();
  });
});

describe("ChangeNotetypeDialog", () => {
  it("sends Anki's default maps for the chosen type", async () => {
    const sent: unknown[] = [];
    server.use(
      on("get", "/api/notetypes", () => ({ notetypes: LIST })),
      on("post", "/api/notes/change-notetype", ({ body }) => {
        sent.push(body);
        return { notes: 2, cards_removed: 0, cards_added: 2, full_sync_required: true };
      }),
    );
    const onClose = vi.fn();
    logIn();
    renderPage(<ChangeNotetypeDialog noteIds={[5, 6]} currentNotetypeId={1} onClose={onClose} />);
    const select = await screen.findByLabelText("New note type");
    await screen.findByRole("option", { name: "Basic (and reversed card)" });
    fireEvent.change(select, { target: { value: "2" } });
    fireEvent.click(screen.getByRole("button", { name: "Change" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent).toEqual([{ note_ids: [5, 6], notetype_id: 2, fields: [0, 1], templates: [0, null] }]);
  });
});

describe("NotetypeEditor", () => {
  it("repositions a card type: each template keeps its ord, so its cards go along", async () => {
    const template = (ord: number, name: string, front: string) => ({
      ord,
      name,
      front,
      back: "{{FrontSide}}",
      browser_front: "",
      browser_back: "",
      card_count: 4,
    });
    const three = {
      ...DETAIL,
      id: 3,
      name: "Three ways",
      is_cloze: false,
      templates: [template(0, "Forward", "{{Text}}"), template(1, "Backward", "{{Text}}?"), template(2, "Spoken", "{{Text}}!")],
    };
    server.use(
      on("post", "/api/notetypes/{notetype_id}/preview", () => ({ question: "q", answer: "a", css: "", note_id: null })),
    );
    const onSave = vi.fn(() => Promise.resolve());
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValue(true);
    logIn();
    renderPage(<NotetypeEditor notetype={three} saving={false} onSave={onSave} />);
    fireEvent.click(screen.getByRole("button", { name: "Spoken" }));
    fireEvent.change(screen.getByLabelText("Position"), { target: { value: "0" } });
    expect(screen.getAllByRole("button", { pressed: true }).map((b) => b.textContent)).toEqual(["Spoken"]);
    expect(screen.getByLabelText("Position")).toHaveProperty("value", "0");
    expect(screen.getByLabelText("Front template")).toHaveProperty("value", "{{Text}}!");
    const tabs = screen.getAllByRole("button", { name: /^(Forward|Backward|Spoken)$/ });
    expect(tabs.map((b) => b.textContent)).toEqual(["Spoken", "Forward", "Backward"]);
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(confirm.mock.calls[0][0]).toContain("full sync");
    expect(onSave).not.toHaveBeenCalled(); // the learner said no
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    const saved = (onSave.mock.calls[0] as unknown as [typeof three])[0];
    expect(saved.templates.map((t) => [t.ord, t.name])).toEqual([
      [2, "Spoken"],
      [0, "Forward"],
      [1, "Backward"],
    ]);
  });
});

describe("changesSchema", () => {
  it("is Anki's schema change: fields or card types added, removed or moved, or the sort field", () => {
    const field = DETAIL.fields[0];
    const two = { ...DETAIL, fields: [field, { ...field, ord: 1, name: "Extra" }] };
    expect(changesSchema(two, { ...two, name: "Renamed", css: ".x {}" })).toBe(false);
    expect(changesSchema(two, { ...two, fields: [{ ...field, name: "Words" }, two.fields[1]] })).toBe(false);
    expect(changesSchema(two, { ...two, fields: [two.fields[1], field] })).toBe(true);
    expect(changesSchema(two, { ...two, fields: [field] })).toBe(true);
    expect(changesSchema(two, { ...two, sort_field: 1 })).toBe(true);
    expect(changesSchema(DETAIL, { ...DETAIL, templates: [...DETAIL.templates, { ...DETAIL.templates[0], ord: null as unknown as number }] })).toBe(true);
  });
});
