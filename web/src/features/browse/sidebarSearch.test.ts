import { describe, expect, it } from "vitest";
import { combinedSearch } from "./sidebarSearch";

const none = { ctrlKey: false, metaKey: false, shiftKey: false, altKey: false };

describe("sidebar clicks with modifiers (Anki's)", () => {
  it("replaces, adds with AND, OR, or negates", () => {
    expect(combinedSearch("deck:A", '"tag:x"', none)).toBe('"tag:x"');
    expect(combinedSearch("deck:A", '"tag:x"', { ...none, ctrlKey: true })).toBe('(deck:A) "tag:x"');
    expect(combinedSearch("deck:A", '"tag:x"', { ...none, metaKey: true })).toBe('(deck:A) "tag:x"');
    expect(combinedSearch("deck:A", '"tag:x"', { ...none, shiftKey: true })).toBe('(deck:A) OR "tag:x"');
    expect(combinedSearch("deck:A", "flag:1", { ...none, ctrlKey: true, altKey: true })).toBe("(deck:A) -flag:1");
    expect(combinedSearch("", "flag:1", { ...none, ctrlKey: true })).toBe("flag:1");
    expect(combinedSearch("", "flag:1", { ...none, altKey: true })).toBe("-flag:1");
  });
});
