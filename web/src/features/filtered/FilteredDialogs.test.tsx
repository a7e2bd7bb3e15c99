import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import { CustomStudyDialog } from "./CustomStudyDialog";
import { FilteredDeckDialog } from "./FilteredDeckDialog";

describe("filtered deck dialogs", () => {
  it("custom study sends the chosen mode and its days, then closes", async () => {
    const sent: unknown[] = [];
    server.use(
      on("post", "/api/decks/{deck_id}/custom-study", ({ body, params }) => {
        sent.push({ deck: params.deck_id, ...body });
        return { deck_id: 99 };
      }),
    );
    const onClose = vi.fn();
    logIn();
    renderPage(<CustomStudyDialog deckId={5} deckName="Spanish" onClose={onClose} />);
    fireEvent.click(screen.getByLabelText("Review ahead"));
    fireEvent.change(screen.getByLabelText("Due in the next days"), { target: { value: "7" } });
    fireEvent.click(screen.getByRole("button", { name: "OK" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent).toEqual([
      { deck: "5", mode: "review_ahead", amount: 7, cram_kind: "due", card_limit: 100, tags_to_include: [] },
    ]);
  });

  it("building a filtered deck sends its search, limit, order and rescheduling", async () => {
    const sent: unknown[] = [];
    server.use(
      on("post", "/api/decks/filtered", ({ body }) => {
        sent.push(body);
        return { id: 7, cards: 3 };
      }),
    );
    logIn();
    renderPage(<FilteredDeckDialog initialSearch="deck:Spanish" onClose={() => {}} />);
    fireEvent.change(screen.getByLabelText("Limit"), { target: { value: "20" } });
    fireEvent.click(screen.getByRole("button", { name: "Build" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ search: "deck:Spanish", limit: 20, order: "random", reschedule: true });
  });
});
