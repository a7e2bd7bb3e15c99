/** Completion of the tag being typed (the last word), from the collection's tags. A tag matches
 * when it, or one of its `::` levels, starts with what was typed (case-insensitive, as Anki). */
export function tagSuggestions(text: string, known: string[], limit = 8): string[] {
  const words = text.split(/\s+/);
  const typed = (words[words.length - 1] ?? "").toLowerCase();
  if (!typed) return [];
  const present = new Set(words.slice(0, -1).map((w) => w.toLowerCase()));
  return known
    .filter((tag) => {
      const lower = tag.toLowerCase();
      if (present.has(lower) || lower === typed) return false;
      return lower.startsWith(typed) || lower.split("::").some((level) => level.startsWith(typed));
    })
    .slice(0, limit);
}

/** The text with its last word replaced by `tag`, and a space to type the next one. */
export function completeTag(text: string, tag: string): string {
  const cut = text.search(/\S+$/);
  return `${cut >= 0 ? text.slice(0, cut) : text}${tag} `;
}
