import type { DeckNode } from "./api";

/** The deck tree flattened in display order, for deck choosers. */
export function flattenDecks(tree: DeckNode[]): DeckNode[] {
  return tree.flatMap((deck) => [deck, ...flattenDecks(deck.children)]);
}

/** A deck's full name as shown in lists: `A › B`. */
export function deckLabel(name: string): string {
  return name.replace(/::/g, " › ");
}
