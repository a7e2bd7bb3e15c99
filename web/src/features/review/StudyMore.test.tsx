import { fireEvent, screen, waitFor } from "@testing-library/react";
import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { reviewCard, stats } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import ReviewPage from "./ReviewPage";

/** A deck with nothing left today; `dyn` says whether it is a filtered deck. */
function finishedDeck(dyn: boolean, buried = 0) {
  const sent: string[] = [];
  let served: ReturnType<typeof reviewCard>[] = [];
  server.use(
    on("post", "/api/session/start", () => ({ session_id: "s1", expires_at: 0 })),
    on("get", "/api/review/{deck_id}", () => ({ cards: served, counts: { new: served.length, learning: 0, review: 0 } })),
    on("get", "/api/stats", () => stats(0)),
    // The deck's own fields are what matters here; the rest of its answer is not read.
    on("get", "/api/decks/{deck_id}", () => HttpResponse.json({ id: 7, name: "Italian", basename: "Italian", dyn })),
    on("get", "/api/decks", () => ({ decks: [] })),
    on("get", "/api/cards", ({ request }) => {
      expect(new URL(request.url).searchParams.get("q")).toBe("is:buried");
      return { cards: [], total: buried, page: 1, page_size: 1 };
    }),
    on("post", "/api/decks/{deck_id}/unbury", ({ body }) => {
      sent.push(`unbury ${body!.mode}`);
      buried = 0;
      served = [reviewCard(43)];
      return { card_ids: [43], changed: 1 };
    }),
    on("get", "/api/decks/{deck_id}/custom-study", () => ({
      available_new: 30,
      available_new_in_children: 0,
      available_review: 0,
      available_review_in_children: 0,
      extend_new: 0,
      extend_review: 0,
      tags: [],
    })),
    on("post", "/api/decks/{deck_id}/custom-study", ({ body }) => {
      sent.push(body!.mode);
      served = [reviewCard(41)];
      return { deck_id: null };
    }),
    on("post", "/api/decks/{deck_id}/rebuild", () => {
      sent.push("rebuild");
      served = [reviewCard(42)];
      return { id: 7, cards: 1 };
    }),
  );
  logIn();
  renderPage(<ReviewPage />, { path: "/review/7", route: "/review/:deckId" });
  return sent;
}

const stage = () => document.querySelector(".card-stage");

describe("the finished deck screen", () => {
  it("offers custom study, and a raised limit brings its cards into this review", async () => {
    const sent = finishedDeck(false);
    await screen.findByTestId("done-for-today");
    fireEvent.click(await screen.findByRole("button", { name: "Custom study" }));
    expect(await screen.findByText("Available new cards: 30")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "OK" }));
    await waitFor(() => expect(stage()?.getAttribute("data-card-id")).toBe("41"));
    expect(sent).toEqual(["new_limit"]);
  });

  it("tells of cards buried today and unburies them, as Anki's congratulations screen", async () => {
    const sent = finishedDeck(false, 2);
    await screen.findByTestId("done-for-today");
    expect((await screen.findByTestId("buried-cards")).textContent).toContain("will be shown tomorrow");
    fireEvent.click(screen.getByRole("button", { name: "unbury them" }));
    await waitFor(() => expect(stage()?.getAttribute("data-card-id")).toBe("43"));
    expect(sent).toEqual(["unbury all"]);
  });

  it("offers Rebuild and Empty on a filtered deck", async () => {
    const sent = finishedDeck(true);
    await screen.findByTestId("done-for-today");
    expect(await screen.findByRole("button", { name: "Empty" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Custom study" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Rebuild" }));
    await waitFor(() => expect(stage()?.getAttribute("data-card-id")).toBe("42"));
    expect(sent).toEqual(["rebuild"]);
  });
});
