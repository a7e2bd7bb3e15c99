/** Light and dark themes: the learner's choice, else the system's, kept across reloads. */
import { useSyncExternalStore } from "react";

export type Theme = "light" | "dark";
const KEY = "javumbo.theme";
const listeners = new Set<() => void>();

function systemTheme(): Theme {
  return typeof matchMedia !== "undefined" && matchMedia("(prefers-color-scheme: dark)").matches
    ? "dark"
    : "light";
}

function read(): Theme {
  const stored = typeof localStorage !== "undefined" ? localStorage.getItem(KEY) : null;
  return stored === "dark" || stored === "light" ? stored : systemTheme();
}

let current: Theme = read();

export function applyTheme(theme: Theme = current): void {
  document.documentElement.dataset.theme = theme;
}

export function setTheme(theme: Theme): void {
  current = theme;
  localStorage.setItem(KEY, theme);
  applyTheme(theme);
  listeners.forEach((l) => l());
}

export function useTheme(): Theme {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
    () => current,
  );
}
