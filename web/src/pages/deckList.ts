import type { DeckNode } from "../api/client";

/** The deck tree flattened in display order, for deck choosers. */
export function flattenDecks(tree: DeckNode[]): DeckNode[] {
  return tree.flatMap((deck) => [deck, ...flattenDecks(deck.children)]);
}
