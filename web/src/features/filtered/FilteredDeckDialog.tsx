import { useState } from "react";
import { useCreateFilteredDeck, type FilteredDeckInput } from "./api";

type Order = NonNullable<FilteredDeckInput["order"]>;

const ORDERS: [Order, string][] = [
  ["random", "Random"],
  ["order_due", "Order due"],
  ["order_added", "Order added"],
  ["latest_added_first", "Latest added first"],
  ["oldest_seen_first", "Oldest seen first"],
  ["increasing_intervals", "Increasing intervals"],
  ["decreasing_intervals", "Decreasing intervals"],
  ["most_lapses", "Most lapses"],
  ["relative_overdueness", "Relative overdueness"],
];

/** Anki's filtered deck dialog: name, search, limit, order, reschedule; builds on OK. */
export function FilteredDeckDialog({ initialSearch, onClose }: { initialSearch: string; onClose: () => void }) {
  const [name, setName] = useState("Filtered Deck 1");
  const [search, setSearch] = useState(initialSearch);
  const [limit, setLimit] = useState(100);
  const [order, setOrder] = useState<Order>("random");
  const [reschedule, setReschedule] = useState(true);
  const create = useCreateFilteredDeck();

  function submit(event: React.FormEvent) {
    event.preventDefault();
    create.mutate({ name, search, limit, order, reschedule, second_filter: null }, { onSuccess: onClose });
  }

  return (
    <div className="filtered-dialog" role="dialog" aria-label="Filtered deck">
      <form onSubmit={submit}>
        <h2>Filtered deck</h2>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Search
          <input value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          Limit
          <input type="number" value={limit} onChange={(e) => setLimit(Number(e.target.value))} />
        </label>
        <label>
          Order
          <select value={order} onChange={(e) => setOrder(e.target.value as Order)}>
            {ORDERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={reschedule} onChange={(e) => setReschedule(e.target.checked)} />
          Reschedule cards based on my answers in this deck
        </label>
        {create.error && <p role="alert">{String((create.error as Error).message ?? create.error)}</p>}
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="submit" className="button button--primary" disabled={create.isPending}>Build</button>
      </form>
    </div>
  );
}
