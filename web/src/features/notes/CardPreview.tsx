/** The cards a note will make, shown in the same sandboxed frame as review. */
import { useMemo, useState } from "react";
import { CardFrame } from "../review/CardFrame";
import { createMediaLoader } from "../review/media";
import { usePreview } from "./api";

export function CardPreview({ notetypeId, fields, deckId }: { notetypeId: number | null; fields: string[]; deckId: number | null }) {
  const preview = usePreview(notetypeId, fields, deckId, true);
  const load = useMemo(() => createMediaLoader(), []);
  const [answer, setAnswer] = useState(false);
  const cards = preview.data ?? [];
  return (
    <section className="card-preview" aria-label="Preview">
      <div className="toolbar">
        <strong>Preview</strong>
        <button type="button" className="button button--small" onClick={() => setAnswer((a) => !a)}>
          {answer ? "Show front" : "Show back"}
        </button>
      </div>
      {preview.isError && <p className="muted small">The preview could not be made.</p>}
      {!preview.isPending && cards.length === 0 && <p className="muted small">These fields make no card yet.</p>}
      {cards.map((card) => (
        <figure key={card.ord} className="card-preview__card">
          <figcaption className="muted small">{card.name}</figcaption>
          <CardFrame
            html={answer ? card.answer : card.question}
            css={card.css}
            load={load}
            label={`${card.name} ${answer ? "back" : "front"}`}
            shown
          />
        </figure>
      ))}
    </section>
  );
}
