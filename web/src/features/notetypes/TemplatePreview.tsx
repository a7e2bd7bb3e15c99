/** The live preview of the card template being edited, on a real note of the type, in the same
 * sandboxed frame as review. */
import { useDeferredValue, useMemo, useState } from "react";
import { CardFrame } from "../review/CardFrame";
import { createMediaLoader } from "../review/media";
import { useTemplatePreview } from "./api";

export function TemplatePreview({ notetypeId, front, back, css }: { notetypeId: number; front: string; back: string; css: string }) {
  const shownFront = useDeferredValue(front);
  const shownBack = useDeferredValue(back);
  const shownCss = useDeferredValue(css);
  const preview = useTemplatePreview(notetypeId, shownFront, shownBack, shownCss);
  const load = useMemo(() => createMediaLoader(), []);
  const [answer, setAnswer] = useState(false);
  return (
    <section className="notetypes-preview" aria-label="Template preview">
      <div className="toolbar">
        <strong>Preview{preview.data && preview.data.note_id === null ? " (sample)" : ""}</strong>
        <button type="button" className="button button--small" onClick={() => setAnswer((a) => !a)}>
          {answer ? "Show front" : "Show back"}
        </button>
      </div>
      {preview.isError && <p className="muted small">{preview.error.message}</p>}
      {preview.data ? (
        <CardFrame
          html={answer ? preview.data.answer : preview.data.question}
          css={preview.data.css}
          load={load}
          label={`Preview ${answer ? "back" : "front"}`}
          shown
        />
      ) : (
        // The frame's room is kept while the first preview loads: the Save button below does
        // not jump away under the pointer.
        !preview.isError && <div className="card-frame card-frame--loading" aria-busy="true" />
      )}
    </section>
  );
}
