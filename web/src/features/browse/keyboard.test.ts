import { describe, expect, it } from "vitest";
import { keyAction } from "./keyboard";

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) =>
  keyAction({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe("the browser's keys (Anki's)", () => {
  it("moves, extends, opens and deletes", () => {
    expect(key("ArrowDown")).toEqual({ kind: "move", by: 1, extend: false });
    expect(key("ArrowUp", { shiftKey: true })).toEqual({ kind: "move", by: -1, extend: true });
    expect(key("End")).toEqual({ kind: "edge", end: true, extend: false });
    expect(key("Enter")).toEqual({ kind: "open" });
    expect(key("Delete")).toEqual({ kind: "delete" });
    expect(key("Delete", { ctrlKey: true })).toEqual({ kind: "delete" });
    expect(key("x")).toBeNull();
  });

  it("maps Anki's menu shortcuts, Ctrl or Cmd alike", () => {
    expect(key("a", { ctrlKey: true })).toEqual({ kind: "select-all" });
    expect(key("A", { metaKey: true })).toEqual({ kind: "select-all" });
    expect(key("3", { ctrlKey: true })).toEqual({ kind: "flag", flag: 3 });
    expect(key("k", { ctrlKey: true })).toEqual({ kind: "mark" });
    expect(key("j", { ctrlKey: true })).toEqual({ kind: "suspend" });
    expect(key("z", { ctrlKey: true })).toEqual({ kind: "undo" });
    expect(key("f", { ctrlKey: true })).toEqual({ kind: "focus-search" });
    expect(key("I", { ctrlKey: true, shiftKey: true })).toEqual({ kind: "card-info" });
    expect(key("D", { ctrlKey: true, shiftKey: true })).toEqual({ kind: "dialog", dialog: "set-due" });
    expect(key("S", { ctrlKey: true, shiftKey: true })).toEqual({ kind: "dialog", dialog: "reposition" });
    expect(key("M", { ctrlKey: true, shiftKey: true })).toEqual({ kind: "dialog", dialog: "change-notetype" });
    expect(key("A", { ctrlKey: true, shiftKey: true })).toEqual({ kind: "dialog", dialog: "add-tags" });
    expect(key("A", { ctrlKey: true, shiftKey: true, altKey: true })).toEqual({ kind: "dialog", dialog: "remove-tags" });
    expect(key("f", { ctrlKey: true, altKey: true })).toEqual({ kind: "dialog", dialog: "find-replace" });
    expect(key("n", { ctrlKey: true, altKey: true })).toEqual({ kind: "dialog", dialog: "forget" });
  });
});
