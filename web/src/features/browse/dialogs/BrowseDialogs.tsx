/** Which of the browser's dialogs is open, and each one mounted with the selection it acts on. */
import { ChangeNotetypeHost } from "./ChangeNotetypeHost";
import { DuplicatesDialog } from "./DuplicatesDialog";
import { FindReplaceDialog } from "./FindReplaceDialog";
import { ForgetDialog } from "./ForgetDialog";
import { RepositionDialog } from "./RepositionDialog";
import { SaveSearchDialog } from "./SaveSearchDialog";
import { SetDueDialog } from "./SetDueDialog";
import { TagsDialog } from "./TagsDialog";

export type DialogKind =
  | "add-tags"
  | "remove-tags"
  | "reposition"
  | "set-due"
  | "forget"
  | "find-replace"
  | "duplicates"
  | "change-notetype"
  | "save-search";

export interface Selection {
  cardIds: number[];
  noteIds: number[];
  notetypeIds: number[];
}

interface BrowseDialogsProps {
  open: DialogKind | null;
  selection: Selection;
  search: string;
  onClose: () => void;
  onSearch: (search: string) => void;
  onDone: (message: string) => void;
}

export function BrowseDialogs({ open, selection, search, onClose, onSearch, onDone }: BrowseDialogsProps) {
  const { cardIds, noteIds, notetypeIds } = selection;
  switch (open) {
    case "add-tags":
    case "remove-tags":
      return <TagsDialog kind={open === "add-tags" ? "add" : "remove"} cardIds={cardIds} onClose={onClose} />;
    case "reposition":
      return <RepositionDialog cardIds={cardIds} onClose={onClose} />;
    case "set-due":
      return <SetDueDialog cardIds={cardIds} onClose={onClose} />;
    case "forget":
      return <ForgetDialog cardIds={cardIds} onClose={onClose} />;
    case "find-replace":
      return <FindReplaceDialog noteIds={noteIds} notetypeIds={notetypeIds} onClose={onClose} onDone={onDone} />;
    case "duplicates":
      return (
        <DuplicatesDialog
          onClose={onClose}
          onSearch={(text) => {
            onClose();
            onSearch(text);
          }}
        />
      );
    case "change-notetype":
      return notetypeIds.length === 1 ? <ChangeNotetypeHost noteIds={noteIds} notetypeId={notetypeIds[0]!} onClose={onClose} /> : null;
    case "save-search":
      return <SaveSearchDialog search={search} onClose={onClose} />;
    default:
      return null;
  }
}
