/** The note types' Change Note Type dialog over the browser: a backdrop, Escape closes it, and
 * the rows are fetched again afterwards (fields and cards may have changed). */
import { useEffect, useRef } from "react";
import { ChangeNotetypeDialog } from "../../notetypes/ChangeNotetypeDialog";
import { useInvalidateRows } from "../api";

export function ChangeNotetypeHost({ noteIds, notetypeId, onClose }: { noteIds: number[]; notetypeId: number; onClose: () => void }) {
  const invalidate = useInvalidateRows();
  const frame = useRef<HTMLDivElement>(null);
  useEffect(() => frame.current?.querySelector<HTMLElement>("select, button")?.focus(), []);
  const close = () => {
    void invalidate();
    onClose();
  };
  return (
    <div
      className="dialog-backdrop"
      role="presentation"
      onKeyDown={(e) => {
        if (e.key === "Escape") close();
      }}
    >
      <div ref={frame} className="dialog dialog--wide browse-dialog">
        <ChangeNotetypeDialog noteIds={noteIds} currentNotetypeId={notetypeId} onClose={close} />
      </div>
    </div>
  );
}
