/** Anki's "Card Info" for one card: dates, interval, ease or FSRS memory, counts, history. */
import { useQuery } from "@tanstack/react-query";
import { cardInfo } from "../review/api";

const KINDS = ["Learn", "Review", "Relearn", "Filtered", "Manual", "Rescheduled"];
const BUTTONS = ["Manual", "Again", "Hard", "Good", "Easy"];

function date(secs: number | null | undefined): string {
  return secs ? new Date(secs * 1000).toLocaleDateString() : "—";
}

function span(secs: number): string {
  if (secs === 0) return "0";
  if (secs < 3600) return `${Math.round(secs / 60)}m`;
  if (secs < 86_400) return `${Math.round(secs / 3600)}h`;
  const days = secs / 86_400;
  if (days < 30) return `${Math.round(days)}d`;
  if (days < 365) return `${(days / 30).toFixed(1)}mo`;
  return `${(days / 365).toFixed(1)}y`;
}

export function CardInfo({ cardId }: { cardId: number }) {
  const query = useQuery({ queryKey: ["card-info", cardId], queryFn: () => cardInfo(cardId) });
  if (query.isError) return <p role="alert">Card info could not be loaded.</p>;
  const info = query.data;
  if (!info) return <p role="status">Loading card info…</p>;
  const rows: [string, string][] = [
    ["Added", date(info.added)],
    ["First review", date(info.first_review)],
    ["Latest review", date(info.latest_review)],
    ["Due", info.due_date ? date(info.due_date) : info.due_position !== null ? `New #${info.due_position}` : "—"],
    ["Interval", info.interval ? `${info.interval} days` : "—"],
    ...(info.difficulty !== null && info.stability !== null
      ? ([
          ["Difficulty", `${Math.round(((info.difficulty - 1) / 9) * 100)}%`],
          ["Stability", `${info.stability.toFixed(1)} days`],
          ["Retrievability", info.retrievability !== null ? `${Math.round(info.retrievability * 100)}%` : "—"],
        ] as [string, string][])
      : ([["Ease", info.ease ? `${info.ease / 10}%` : "—"]] as [string, string][])),
    ["Reviews", String(info.reviews)],
    ["Lapses", String(info.lapses)],
    ["Average time", `${info.average_secs.toFixed(1)}s`],
    ["Total time", `${info.total_secs.toFixed(1)}s`],
    ["Card type", info.card_type],
    ["Note type", info.notetype],
    ["Deck", info.original_deck ? `${info.deck} (${info.original_deck})` : info.deck],
    ["Preset", info.preset],
    ["Card ID", String(info.card_id)],
    ["Note ID", String(info.note_id)],
  ];
  return (
    <div className="card-info" data-testid="card-info">
      <dl className="card-info-facts">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {info.revlog.length > 0 && (
        <table className="card-info-history">
          <thead>
            <tr>
              <th>Date</th>
              <th>Type</th>
              <th>Rating</th>
              <th>Interval</th>
              <th>Ease</th>
              <th>Time</th>
            </tr>
          </thead>
          <tbody>
            {info.revlog.map((entry) => (
              <tr key={`${entry.time}-${entry.review_kind}-${entry.interval}`}>
                <td>{date(entry.time)}</td>
                <td>{KINDS[entry.review_kind] ?? entry.review_kind}</td>
                <td>{BUTTONS[entry.button_chosen] ?? entry.button_chosen}</td>
                <td>{span(entry.interval)}</td>
                <td>{entry.ease ? `${entry.ease / 10}%` : "—"}</td>
                <td>{entry.taken_secs.toFixed(1)}s</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
