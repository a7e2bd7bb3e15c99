import { describe, expect, it } from "vitest";
import { reviewCard } from "../../test/fixtures";
import { sideSounds } from "./replayAudio";
import { reviewCommand } from "./reviewKeys";

describe("Anki's reviewer keys", () => {
  it.each([
    ["e", "KeyE", false, false, false, { kind: "edit" }],
    ["i", "KeyI", false, false, false, { kind: "info" }],
    ["R", "KeyR", false, true, false, { kind: "replay" }],
    ["*", "Digit8", false, true, false, { kind: "mark" }],
    ["-", "Minus", false, false, false, { kind: "bury-card" }],
    ["=", "Equal", false, false, false, { kind: "bury-note" }],
    ["@", "Digit2", false, true, false, { kind: "suspend-card" }],
    ["!", "Digit1", false, true, false, { kind: "suspend-note" }],
    ["1", "Digit1", true, false, false, { kind: "flag", flag: 1 }],
    ["7", "Digit7", true, false, false, { kind: "flag", flag: 7 }],
    ["D", "KeyD", true, true, false, { kind: "ask-due" }],
    ["Delete", "Delete", true, false, false, { kind: "ask-delete" }],
    ["n", "KeyN", true, false, true, { kind: "ask-forget" }],
    ["A", "KeyA", false, true, false, { kind: "auto-advance" }],
    ["o", "KeyO", false, false, false, { kind: "options" }],
  ])("%s (ctrl %s, shift %s, alt %s)", (key, code, ctrl, shift, alt, expected) => {
    expect(reviewCommand(key, code, ctrl, shift, alt)).toEqual(expected);
  });

  it("leaves answer keys and unknown keys alone", () => {
    for (const key of ["1", "3", " ", "Enter", "x"]) {
      expect(reviewCommand(key, `Key${key}`, false, false, false)).toBeNull();
    }
    expect(reviewCommand("8", "Digit8", true, false, false)).toBeNull();
  });
});

describe("the sounds of a side", () => {
  const card = reviewCard(1, {
    question: "[sound:q.mp3] hola",
    answer: '[sound:q.mp3] hola<hr id=answer> hello <audio src="a.ogg"></audio>',
  });

  it("plays the question's on the question side and both on the answer side", () => {
    expect(sideSounds(card, false)).toEqual(["q.mp3"]);
    expect(sideSounds(card, true)).toEqual(["q.mp3", "a.ogg"]);
  });

  it("leaves the question's out of the answer when the preset says not to replay it", () => {
    const quiet = { ...card, audio: { autoplay: true, replay_question: false } };
    expect(sideSounds(quiet, true)).toEqual(["a.ogg"]);
  });
});
