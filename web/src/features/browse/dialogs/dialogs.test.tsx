import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, on } from "../../../test/handlers";
import { logIn, renderPage } from "../../../test/render";
import { server } from "../../../test/server";
import { NOTETYPES } from "../testData";
import { DuplicatesDialog } from "./DuplicatesDialog";
import { FindReplaceDialog } from "./FindReplaceDialog";
import { ForgetDialog } from "./ForgetDialog";
import { RepositionDialog } from "./RepositionDialog";
import { SetDueDialog } from "./SetDueDialog";

beforeEach(() => {
  logIn();
  server.use(on("get", "/api/notetypes", () => NOTETYPES));
});

describe("browser dialogs", () => {
  it("repositions new cards with Anki's start, step, randomize and shift, from the last choices", async () => {
    const sent: unknown[] = [];
    server.use(
      on("get", "/api/browse/reposition-defaults", () => ({ queue_top: 1, queue_bottom: 40, randomize: true, shift: false })),
      on("post", "/api/cards/reposition", ({ body }) => {
        sent.push(body);
        return { card_ids: body!.card_ids, changed: 2 };
      }),
    );
    const onClose = vi.fn();
    renderPage(<RepositionDialog cardIds={[5, 6]} onClose={onClose} />);
    const dialog = await screen.findByRole("dialog", { name: "Reposition New Cards" });
    expect(dialog.textContent).toContain("Queue bottom: 40");
    expect((within(dialog).getByLabelText("Randomize order") as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(dialog).getByLabelText("Randomize order"));
    expect(document.activeElement).toBe(within(dialog).getByLabelText("Start position"));
    fireEvent.change(within(dialog).getByLabelText("Start position"), { target: { value: "10" } });
    fireEvent.change(within(dialog).getByLabelText("Step"), { target: { value: "0" } });
    expect((within(dialog).getByRole("button", { name: "OK" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(dialog).getByLabelText("Step"), { target: { value: "2" } });
    fireEvent.click(within(dialog).getByLabelText("Shift position of existing cards"));
    fireEvent.click(within(dialog).getByRole("button", { name: "OK" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent).toEqual([{ card_ids: [5, 6], start: 10, step: 2, randomize: false, shift: true }]);
  });

  it("sets due dates in Anki's syntax from the days last typed, refuses anything else; Escape closes", async () => {
    const sent: unknown[] = [];
    const contexts: (string | null)[] = [];
    server.use(
      on("get", "/api/cards/set-due", ({ request }) => {
        contexts.push(new URL(request.url).searchParams.get("context"));
        return { days: "2-4" };
      }),
      on("post", "/api/cards/set-due", ({ body }) => {
        sent.push(body);
        return { card_ids: body!.card_ids, changed: 1 };
      }),
    );
    const onClose = vi.fn();
    renderPage(<SetDueDialog cardIds={[5]} onClose={onClose} />);
    const dialog = await screen.findByRole("dialog", { name: "Set Due Date" });
    const input = within(dialog).getByLabelText("Show cards in how many days") as HTMLInputElement;
    expect(input.value).toBe("2-4");
    expect(contexts).toEqual(["browser"]);
    const ok = within(dialog).getByRole("button", { name: "OK" }) as HTMLButtonElement;
    for (const bad of ["", "tomorrow", "1-", "-3", "3!!"]) {
      fireEvent.change(input, { target: { value: bad } });
      expect(ok.disabled).toBe(true);
    }
    for (const good of ["0", "1!", "1-7", "3-7!"]) {
      fireEvent.change(input, { target: { value: good } });
      expect(ok.disabled).toBe(false);
    }
    fireEvent.click(ok);
    await waitFor(() => expect(sent).toEqual([{ card_ids: [5], days: "3-7!", remember: "browser" }]));
    fireEvent.keyDown(input, { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });

  it("resets cards with the browser's last Reset options and keeps the new ones", async () => {
    const sent: unknown[] = [];
    server.use(
      on("get", "/api/cards/forget", () => ({ restore_position: false, reset_counts: true })),
      on("post", "/api/cards/forget", ({ body }) => {
        sent.push(body);
        return { card_ids: body!.card_ids, changed: 2 };
      }),
    );
    const onClose = vi.fn();
    renderPage(<ForgetDialog cardIds={[5, 6]} onClose={onClose} />);
    const dialog = await screen.findByRole("dialog", { name: "Reset" });
    expect(within(dialog).getByText("Reset 2 cards to new.")).toBeTruthy();
    const restore = within(dialog).getByLabelText("Restore original position where possible") as HTMLInputElement;
    expect(restore.checked).toBe(false);
    expect((within(dialog).getByLabelText("Reset repetition and lapse counts") as HTMLInputElement).checked).toBe(true);
    fireEvent.click(restore);
    fireEvent.click(within(dialog).getByRole("button", { name: "OK" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent).toEqual([{ card_ids: [5, 6], restore_position: true, reset_counts: true, remember: "browser" }]);
  });

  it("finds and replaces in a chosen field of the selected notes, or everywhere", async () => {
    const sent: unknown[] = [];
    server.use(
      on("post", "/api/notes/find-replace", ({ body }) => {
        sent.push(body);
        return { changed: 2 };
      }),
    );
    const onDone = vi.fn();
    renderPage(<FindReplaceDialog noteIds={[10, 20]} notetypeIds={[1]} onClose={() => undefined} onDone={onDone} />);
    const dialog = screen.getByRole("dialog", { name: "Find and Replace" });
    await within(dialog).findByRole("option", { name: "Back" });
    expect(within(dialog).getAllByRole("option").map((o) => o.textContent)).toEqual(["All fields", "Tags", "Back", "Front"]);
    fireEvent.change(within(dialog).getByLabelText("Find"), { target: { value: "(\\w+)ar$" } });
    fireEvent.change(within(dialog).getByLabelText("Replace with"), { target: { value: "${1}er" } });
    fireEvent.change(within(dialog).getByLabelText("In"), { target: { value: "field:Front" } });
    fireEvent.click(within(dialog).getByLabelText("Treat input as regular expression"));
    fireEvent.click(within(dialog).getByLabelText("Ignore case"));
    fireEvent.click(within(dialog).getByRole("button", { name: "OK" }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith("2 notes updated."));
    expect(sent).toEqual([
      { note_ids: [10, 20], search: "(\\w+)ar$", replacement: "${1}er", regex: true, match_case: true, field: "Front", target: "fields" },
    ]);
    fireEvent.click(within(dialog).getByLabelText("Selected notes only"));
    expect(within(dialog).getAllByRole("option").map((o) => o.textContent)).toContain("Meaning");
  });

  it("finds and replaces in the tags of the selected notes when Tags is chosen", async () => {
    const sent: unknown[] = [];
    server.use(
      on("post", "/api/notes/find-replace", ({ body }) => {
        sent.push(body);
        return { changed: 1 };
      }),
    );
    const onDone = vi.fn();
    renderPage(<FindReplaceDialog noteIds={[10, 20]} notetypeIds={[1]} onClose={() => undefined} onDone={onDone} />);
    const dialog = screen.getByRole("dialog", { name: "Find and Replace" });
    fireEvent.change(within(dialog).getByLabelText("Find"), { target: { value: "chapter" } });
    fireEvent.change(within(dialog).getByLabelText("Replace with"), { target: { value: "unit" } });
    fireEvent.change(within(dialog).getByLabelText("In"), { target: { value: "tags" } });
    expect((within(dialog).getByLabelText("In") as HTMLSelectElement).selectedOptions[0]?.textContent).toBe("Tags");
    fireEvent.click(within(dialog).getByRole("button", { name: "OK" }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith("1 note updated."));
    expect(sent).toEqual([
      { note_ids: [10, 20], search: "chapter", replacement: "unit", regex: false, match_case: false, field: null, target: "tags" },
    ]);
  });

  it("shows a bad regular expression's error in the dialog", async () => {
    server.use(on("post", "/api/notes/find-replace", () => apiError(400, "invalid_request", "bad regular expression")));
    const onClose = vi.fn();
    renderPage(<FindReplaceDialog noteIds={[]} notetypeIds={[]} onClose={onClose} onDone={() => undefined} />);
    fireEvent.change(screen.getByLabelText("Find"), { target: { value: "(" } });
    fireEvent.click(screen.getByRole("button", { name: "OK" }));
    expect((await screen.findByRole("alert")).textContent).toContain("bad regular expression");
    expect(onClose).not.toHaveBeenCalled();
  });

  it("finds duplicates in a field, searches a set's notes and tags them all", async () => {
    const asked: (string | null)[] = [];
    const tagged: unknown[] = [];
    server.use(
      on("get", "/api/notes/duplicates", ({ request }) => {
        asked.push(new URL(request.url).searchParams.get("field"));
        return { duplicates: [{ text: "perro", note_ids: [10, 20] }, { text: "gato", note_ids: [30, 40, 50] }] };
      }),
      on("post", "/api/notes/tags", ({ body }) => {
        tagged.push(body);
        return { note_ids: body!.note_ids, changed: body!.note_ids.length };
      }),
    );
    const onSearch = vi.fn();
    renderPage(<DuplicatesDialog onClose={() => undefined} onSearch={onSearch} />);
    const dialog = screen.getByRole("dialog", { name: "Find Duplicates" });
    await within(dialog).findByRole("option", { name: "Meaning" });
    fireEvent.change(within(dialog).getByLabelText("Search in"), { target: { value: "Front" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Search" }));
    fireEvent.click(await within(dialog).findByRole("button", { name: "3 notes: gato" }));
    expect(asked).toEqual(["Front"]);
    expect(onSearch).toHaveBeenCalledWith("nid:30,40,50");
    fireEvent.click(within(dialog).getByRole("button", { name: "Tag Duplicates" }));
    await within(dialog).findByRole("button", { name: "Tagged" });
    expect(tagged).toEqual([{ note_ids: [10, 20, 30, 40, 50], add: ["duplicate"], remove: [] }]);
  });
});
