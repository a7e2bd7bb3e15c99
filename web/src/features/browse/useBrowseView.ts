/** The browser's view in the URL (search, cards or notes, sort, page) and in localStorage
 * (columns, card info panel). `?search=` (the editor's duplicate link) is read like `?q=`. */
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";
import type { BrowseMode } from "./api";

export const COLUMNS_STORAGE_KEY = "javumbo.browse.columns";
export const INFO_STORAGE_KEY = "javumbo.browse.cardInfo";
const DEFAULT_COLUMNS = ["sort_field", "card_type", "due", "deck"];

function storedColumns(): string[] {
  try {
    const stored = JSON.parse(window.localStorage.getItem(COLUMNS_STORAGE_KEY) ?? "null") as unknown;
    if (Array.isArray(stored) && stored.length && stored.every((c) => typeof c === "string")) return stored as string[];
  } catch {
    /* a broken stored value falls back on the default columns */
  }
  return DEFAULT_COLUMNS;
}

export function useBrowseView() {
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? params.get("search") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const mode: BrowseMode = params.get("mode") === "notes" ? "notes" : "cards";
  const sort = params.get("sort") ?? "sort_field";
  const reverse = params.get("reverse") === "true";
  const [columns, setColumns] = useState<string[]>(storedColumns);
  const [infoOpen, setInfoOpen] = useState(() => window.localStorage.getItem(INFO_STORAGE_KEY) === "true");

  useEffect(() => window.localStorage.setItem(COLUMNS_STORAGE_KEY, JSON.stringify(columns)), [columns]);
  useEffect(() => window.localStorage.setItem(INFO_STORAGE_KEY, String(infoOpen)), [infoOpen]);

  const navigate = (changes: Record<string, string>) =>
    setParams({ q: search, mode, sort, reverse: String(reverse), page: "1", ...changes });

  return { search, page, mode, sort, reverse, columns, setColumns, infoOpen, setInfoOpen, navigate };
}
