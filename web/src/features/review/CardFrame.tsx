import { useEffect, useMemo, useState } from "react";
import { useTheme } from "../../components/theme";
import { cardDocument, inlineMedia, mediaNames, soundTagsToPlayers, type MediaLoader } from "./cardDocument";
import { withTypedAnswer } from "./typedAnswerMarkup";
import { hasMath } from "../math/mathText";
import { renderMath } from "../math/renderMath";

const inlined = new Map<string, string>();
const inFlight = new Map<string, Promise<string>>();

/** Fetches a card's media ahead of time so showing it later needs no network. */
export function prepareCardHtml(html: string, load: MediaLoader): Promise<string> {
  const done = inlined.get(html);
  if (done !== undefined) return Promise.resolve(done);
  if (!hasMath(html) && mediaNames(html).length === 0) {
    const plain = soundTagsToPlayers(html);
    inlined.set(html, plain);
    return Promise.resolve(plain);
  }
  let promise = inFlight.get(html);
  if (!promise) {
    promise = renderMath(html)
      .then((typeset) => inlineMedia(typeset, load))
      .then((result) => {
        inlined.set(html, result);
        inFlight.delete(html);
        if (inlined.size > 200) inlined.delete(inlined.keys().next().value as string);
        return result;
      });
    inFlight.set(html, promise);
  }
  return promise;
}

interface CardFrameProps {
  html: string;
  css: string;
  load: MediaLoader;
  label: string;
  /** Hidden frames are rendered ahead (the answer, the next card) so showing them is instant. */
  shown: boolean;
  /** Escaped markup for the card's typed-answer marker (the comparison on the answer side). */
  typedAnswerHtml?: string | null;
}

/**
 * The card in a sandboxed iframe: no scripts, an opaque origin, so the card's HTML and CSS can
 * neither run code nor reach the app's token or styles.
 */
export function CardFrame({ html, css, load, label, shown, typedAnswerHtml = null }: CardFrameProps) {
  const theme = useTheme();
  const [ready, setReady] = useState<{ source: string; html: string } | null>(null);
  const cached = inlined.get(html);
  useEffect(() => {
    // Always subscribe: the media may have arrived between this render and this effect.
    let live = true;
    prepareCardHtml(html, load).then((result) => {
      if (live) setReady({ source: html, html: result });
    });
    return () => {
      live = false;
    };
  }, [html, load]);
  const body = cached ?? (ready?.source === html ? ready.html : null);
  // Filled in after the media are inlined: the media cache stays keyed by the card's own HTML.
  const srcDoc = useMemo(
    () =>
      body === null
        ? null
        : cardDocument(typedAnswerHtml ? withTypedAnswer(body, typedAnswerHtml) : body, css, theme === "dark"),
    [body, css, theme, typedAnswerHtml],
  );
  const className = `card-frame ${shown ? "card-frame--shown" : "card-frame--hidden"}`;
  if (srcDoc === null) return <div className={`${className} card-frame--loading`} aria-busy="true" />;
  return (
    <iframe
      className={className}
      title={label}
      sandbox=""
      srcDoc={srcDoc}
      aria-hidden={!shown}
      tabIndex={shown ? undefined : -1}
      onLoad={(event) => {
        event.currentTarget.dataset.ready = "true";
      }}
    />
  );
}
