import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient } from "../api/client";
import { fakeFetch, json, memoryStorage } from "../test/fakeServer";
import ReviewPage from "./ReviewPage";

const MARKER = '<span class="javumbo-typeans"></span>';
const intervals = ["1m", "6m", "10m", "4d"];

const typeInCard = {
  card_id: 1,
  question: `<p>Capital of France?</p>${MARKER}`,
  answer: `<p>Capital of France?</p><hr id=answer>${MARKER}`,
  css: "",
  intervals,
  queue: 0,
  typed_answer: { field: "Back", expected: "Paris", combining: true },
};
const basicCard = {
  card_id: 2,
  question: "<p>hola</p>",
  answer: "<p>hola</p><hr id=answer><p>hello</p>",
  css: "",
  intervals,
  queue: 0,
  typed_answer: null,
};

function setup() {
  const answers: { card_id: number; rating: number }[] = [];
  let served = [typeInCard, basicCard];
  const server = fakeFetch({
    "POST /api/session/start": () => json({ session_id: "s1" }),
    "POST /api/session/flush": () => json({}),
    "GET /api/review/7": () => json({ cards: served, counts: { new: served.length, learning: 0, review: 0 } }),
    "POST /api/review": (request) => {
      const body = request.body as { card_id: number; rating: number };
      answers.push({ card_id: body.card_id, rating: body.rating });
      served = served.filter((card) => card.card_id !== body.card_id);
      return json({ success: true });
    },
    "GET /api/stats": () => json({ today: { studied: 0 } }),
  });
  const storage = memoryStorage();
  storage.setItem("javumbo.auth", JSON.stringify({ token: "t", username: "ana" }));
  const client = new ApiClient({ fetch: server.fetch, storage });
  render(
    <MemoryRouter initialEntries={["/review/7"]}>
      <Routes>
        <Route path="/review/:deckId" element={<ReviewPage client={client} />} />
      </Routes>
    </MemoryRouter>,
  );
  return { answers };
}

afterEach(cleanup);

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
