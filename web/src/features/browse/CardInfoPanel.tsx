/** Card info of the current row beside the table (a sheet over the page on a phone). */
import { CardInfo } from "../card-info/CardInfo";

export function CardInfoPanel({ cardId, onClose }: { cardId: number | null; onClose: () => void }) {
  return (
    <aside className="browse-info" aria-label="Card info panel">
      <div className="browse-info__head">
        <h2>Card info</h2>
        <button type="button" className="button button--small button--quiet" aria-label="Close card info" onClick={onClose}>
          ×
        </button>
      </div>
      {cardId !== null ? <CardInfo cardId={cardId} /> : <p className="muted small">No current card.</p>}
    </aside>
  );
}
