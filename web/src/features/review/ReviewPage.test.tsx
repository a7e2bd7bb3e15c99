import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { answered, reviewCard, stats } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import ReviewPage from "./ReviewPage";

const MARKER = '<span class="javumbo-typeans"></span>';

const typeInCard = reviewCard(1, {
  question: `<p>Capital of France?</p>${MARKER}`,
  answer: `<p>Capital of France?</p><hr id=answer>${MARKER}`,
  typed_answer: { field: "Back", expected: "Paris", combining: true },
});
const basicCard = reviewCard(2, { question: "<p>hola</p>", answer: "<p>hola</p><hr id=answer><p>hello</p>" });

function setup() {
  const answers: { card_id: number; rating: number }[] = [];
  let served = [typeInCard, basicCard];
  server.use(
    on("post", "/api/session/start", () => ({ session_id: "s1", expires_at: 0 })),
    on("get", "/api/review/{deck_id}", () => ({ cards: served, counts: { new: served.length, learning: 0, review: 0 } })),
    on("post", "/api/review", ({ body }) => {
      answers.push({ card_id: body!.card_id, rating: body!.rating });
      served = served.filter((card) => card.card_id !== body!.card_id);
      return answered(body!.card_id, body!.rating);
    }),
    on("get", "/api/stats", () => stats(0)),
  );
  logIn();
  renderPage(<ReviewPage />, { path: "/review/7", route: "/review/:deckId" });
  return { answers };
}

const side = () => document.querySelector(".card-stage")?.getAttribute("data-side");
const announced = () => document.querySelector(".visually-hidden[role=status]")?.textContent;
const shownFrame = () => document.querySelector<HTMLIFrameElement>("iframe.card-frame--shown");

describe("ReviewPage with a card that asks for the answer to be typed", () => {
  it("keeps the review keys out of the answer box, and Enter shows the marked comparison", async () => {
    const { answers } = setup();
    const box = await screen.findByLabelText("Type the answer");
    expect(document.activeElement).toBe(box);
    await waitFor(() => expect(shownFrame()?.getAttribute("srcdoc")).toContain("Capital of France?"));
    expect(shownFrame()?.getAttribute("srcdoc")).not.toContain("Paris");

    // Keys typed into the box are the learner's answer, not shortcuts.
    for (const key of ["1", "4", " ", "z"]) fireEvent.keyDown(box, { key });
    fireEvent.change(box, { target: { value: "1Pari" } });
    expect(side()).toBe("question");
    expect(answers).toEqual([]);

    fireEvent.keyDown(box, { key: "Enter" });
    expect(side()).toBe("answer");
    expect(screen.queryByLabelText("Type the answer")).toBeNull();
    await waitFor(() => expect(shownFrame()?.getAttribute("srcdoc")).toContain('id="typeans"'));
    const answerDoc = shownFrame()!.getAttribute("srcdoc")!;
    expect(answerDoc).toContain('<span class="typeBad">1</span><span class="typeGood">Pari</span>');
    expect(answerDoc).toContain('<span class="typeMissed">s</span>');
    expect(answerDoc).not.toContain(MARKER);
    expect(announced()).toBe(
      "Not quite: you typed “1Pari”. The answer is “Paris”. 1 wrong character and 1 missing character.",
    );

    // With the answer shown, the keys rate the card as usual.
    fireEvent.keyDown(window, { key: "1" });
    await waitFor(() => expect(answers).toEqual([{ card_id: 1, rating: 1 }]));
    await waitFor(() => expect(document.querySelector(".card-stage")?.getAttribute("data-card-id")).toBe("2"));
    // The learner is told their answer reached the server (nothing is held back to flush).
    await waitFor(() => expect(screen.getByTestId("save-status").textContent).toBe("Saved"));
    expect(screen.queryByText(/unsaved/)).toBeNull();
  });

  it("shows no box for a card without one, where the keys work at once", async () => {
    setup();
    await screen.findByLabelText("Type the answer");
    fireEvent.keyDown(screen.getByLabelText("Type the answer"), { key: "Enter" });
    fireEvent.keyDown(window, { key: "3" });
    await waitFor(() => expect(document.querySelector(".card-stage")?.getAttribute("data-card-id")).toBe("2"));
    expect(screen.queryByLabelText("Type the answer")).toBeNull();
    fireEvent.keyDown(window, { key: "1" });
    expect(side()).toBe("question");
    fireEvent.keyDown(window, { key: " " });
    expect(side()).toBe("answer");
  });

  it("compares an empty box by showing the answer, and a right one as correct", async () => {
    setup();
    const box = await screen.findByLabelText("Type the answer");
    fireEvent.change(box, { target: { value: "Paris" } });
    fireEvent.click(screen.getByRole("button", { name: /Show answer/ }));
    await waitFor(() => expect(shownFrame()?.getAttribute("srcdoc")).toContain('data-outcome="correct"'));
    expect(announced()).toBe("Correct: you typed “Paris”.");
  });
});
