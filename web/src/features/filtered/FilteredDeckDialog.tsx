import { useState } from "react";
import { errorMessage } from "../../lib/errors";
import { useDeckTree } from "../decks/api";
import { useCreateFilteredDeck, useFilteredDeck, useUpdateFilteredDeck, type FilteredDeck, type FilteredDeckInput } from "./api";

type Order = NonNullable<FilteredDeckInput["order"]>;

/** Anki's filtered deck orders: the API's name, Anki's number, the dialog's label. */
export const ORDERS: [Order, number, string][] = [
  ["oldest_seen_first", 0, "Oldest seen first"],
  ["random", 1, "Random"],
  ["increasing_intervals", 2, "Increasing intervals"],
  ["decreasing_intervals", 3, "Decreasing intervals"],
  ["most_lapses", 4, "Most lapses"],
  ["order_added", 5, "Order added"],
  ["order_due", 6, "Order due"],
  ["latest_added_first", 7, "Latest added first"],
  ["retrievability_ascending", 8, "Retrievability ascending"],
  ["retrievability_descending", 9, "Retrievability descending"],
  ["relative_overdueness", 10, "Relative overdueness"],
];

const orderName = (number: number): Order => ORDERS.find(([, n]) => n === number)?.[0] ?? "random";

interface Values {
  name: string;
  search: string;
  limit: number;
  order: Order;
  secondEnabled: boolean;
  search2: string;
  limit2: number;
  order2: Order;
  reschedule: boolean;
  againSecs: number;
  hardSecs: number;
  goodSecs: number;
}

interface NamedNode {
  name: string;
  children: NamedNode[];
}

/** Anki's name for a new filtered deck: "Filtered Deck 1", or the first number not taken. */
export function nextFilteredName(decks: NamedNode[]): string {
  const taken = new Set<string>();
  const visit = (nodes: NamedNode[]) =>
    nodes.forEach((node) => {
      taken.add(node.name.toLowerCase());
      visit(node.children);
    });
  visit(decks);
  let n = 1;
  while (taken.has(`filtered deck ${n}`)) n += 1;
  return `Filtered Deck ${n}`;
}

/** A new deck as Anki starts one: due cards of the deck first, its new cards as the (off)
 * second filter, rescheduling on, preview delays 60/600/0 seconds. */
function freshValues(deckSearch: string, name = "Filtered Deck 1"): Values {
  const scoped = (state: string) => (deckSearch ? `${deckSearch} ${state}` : state);
  return {
    name,
    search: scoped("is:due"),
    limit: 100,
    order: "random",
    secondEnabled: false,
    search2: scoped("is:new"),
    limit2: 20,
    order2: "order_due",
    reschedule: true,
    againSecs: 60,
    hardSecs: 600,
    goodSecs: 0,
  };
}

function savedValues(deck: FilteredDeck): Values {
  const [first, second] = deck.terms;
  return {
    ...freshValues(""),
    name: deck.name,
    search: first?.search ?? "",
    limit: first?.limit ?? 100,
    order: orderName(first?.order ?? 1),
    secondEnabled: second !== undefined,
    ...(second ? { search2: second.search, limit2: second.limit, order2: orderName(second.order) } : {}),
    reschedule: deck.reschedule,
    againSecs: deck.preview_again_secs,
    hardSecs: deck.preview_hard_secs,
    goodSecs: deck.preview_good_secs,
  };
}

function toInput(v: Values): FilteredDeckInput {
  return {
    name: v.name.trim(),
    search: v.search,
    limit: v.limit,
    order: v.order,
    reschedule: v.reschedule,
    second_filter: v.secondEnabled ? { search: v.search2, limit: v.limit2, order: v.order2 } : null,
    preview_again_secs: v.againSecs,
    preview_hard_secs: v.hardSecs,
    preview_good_secs: v.goodSecs,
  };
}

interface DialogProps {
  /** The filtered deck to edit; absent, the dialog makes a new one. */
  deckId?: number;
  /** The deck the new filtered deck starts from ("deck:Spanish"). */
  deckSearch?: string;
  onClose: () => void;
}

/** Anki's filtered deck dialog: name, two filters (search, limit, order), rescheduling and the
 * preview delays used when not rescheduling. Builds a new deck, or edits and rebuilds one. */
export function FilteredDeckDialog({ deckId, deckSearch = "", onClose }: DialogProps) {
  const saved = useFilteredDeck(deckId ?? null);
  const tree = useDeckTree();
  // Saving refetches the deck before the dialog closes: a dialog opened again starts from it.
  const waiting = deckId === undefined ? tree.isPending : !saved.data;
  if (waiting) {
    return (
      <Frame label="Filtered deck" onClose={onClose}>
        {saved.error ? (
          <p role="alert">{errorMessage(saved.error)}</p>
        ) : (
          <p role="status" className="muted">
            Loading…
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </Frame>
    );
  }
  const initial = saved.data ? savedValues(saved.data) : freshValues(deckSearch, nextFilteredName(tree.data ?? []));
  return <FilteredDeckForm deckId={deckId} initial={initial} onClose={onClose} />;
}

function Frame({ label, onClose, children }: { label: string; onClose: () => void; children: React.ReactNode }) {
  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <div
        className="dialog filtered-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={label}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
        }}
      >
        {children}
      </div>
    </div>
  );
}

function OrderSelect({ label, value, onChange }: { label: string; value: Order; onChange: (order: Order) => void }) {
  return (
    <label className="filtered-field">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as Order)}>
        {ORDERS.map(([name, , text]) => (
          <option key={name} value={name}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function NumberInput({ label, value, onChange, min = 0 }: { label: string; value: number; onChange: (n: number) => void; min?: number }) {
  return (
    <label className="filtered-field filtered-field--number">
      {label}
      <input type="number" min={min} inputMode="numeric" value={value} onChange={(e) => onChange(Number(e.target.value))} />
    </label>
  );
}

function FilteredDeckForm({ deckId, initial, onClose }: { deckId?: number; initial: Values; onClose: () => void }) {
  const [values, setValues] = useState(initial);
  const set = <K extends keyof Values>(key: K, value: Values[K]) => setValues((v) => ({ ...v, [key]: value }));
  const create = useCreateFilteredDeck();
  const update = useUpdateFilteredDeck();
  const saving = deckId === undefined ? create : update;
  const editing = deckId !== undefined;

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const body = toInput(values);
    if (editing) update.mutate({ id: deckId, ...body }, { onSuccess: onClose });
    else create.mutate(body, { onSuccess: onClose });
  }

  return (
    <Frame label="Filtered deck" onClose={onClose}>
      <form className="filtered-form" onSubmit={submit}>
        <h2>{editing ? `Filtered deck: ${initial.name}` : "Filtered deck"}</h2>
        <label className="filtered-field">
          Name
          <input value={values.name} onChange={(e) => set("name", e.target.value)} required />
        </label>
        <fieldset className="filtered-filter">
          <legend>Filter</legend>
          <label className="filtered-field">
            Search
            <input value={values.search} onChange={(e) => set("search", e.target.value)} />
          </label>
          <div className="filtered-row">
            <NumberInput label="Limit" value={values.limit} onChange={(n) => set("limit", n)} />
            <OrderSelect label="Cards selected by" value={values.order} onChange={(o) => set("order", o)} />
          </div>
        </fieldset>
        <label className="filtered-check">
          <input type="checkbox" checked={values.secondEnabled} onChange={(e) => set("secondEnabled", e.target.checked)} />
          Enable second filter
        </label>
        {values.secondEnabled && (
          <fieldset className="filtered-filter">
            <legend>Filter 2</legend>
            <label className="filtered-field">
              Search 2
              <input value={values.search2} onChange={(e) => set("search2", e.target.value)} />
            </label>
            <div className="filtered-row">
              <NumberInput label="Limit 2" value={values.limit2} onChange={(n) => set("limit2", n)} />
              <OrderSelect label="Cards selected by (filter 2)" value={values.order2} onChange={(o) => set("order2", o)} />
            </div>
          </fieldset>
        )}
        <label className="filtered-check">
          <input type="checkbox" checked={values.reschedule} onChange={(e) => set("reschedule", e.target.checked)} />
          Reschedule cards based on my answers in this deck
        </label>
        {!values.reschedule && (
          <fieldset className="filtered-filter filtered-delays">
            <legend>Preview delays (seconds)</legend>
            <div className="filtered-row">
              <NumberInput label="Delay for Again" value={values.againSecs} onChange={(n) => set("againSecs", n)} />
              <NumberInput label="Delay for Hard" value={values.hardSecs} onChange={(n) => set("hardSecs", n)} />
              <NumberInput label="Delay for Good" value={values.goodSecs} onChange={(n) => set("goodSecs", n)} />
            </div>
            <p className="muted small filtered-hint">(0 = return card to original deck)</p>
          </fieldset>
        )}
        {saving.error && <p role="alert">{errorMessage(saving.error)}</p>}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={saving.isPending}>
            {editing ? "Rebuild" : "Build"}
          </button>
        </div>
      </form>
    </Frame>
  );
}
