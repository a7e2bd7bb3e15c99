/** A look at one media file before deleting it: the picture, or a player for a sound. Fetched
 * only when asked for (a collection may have many unused files). Pictures are shown through
 * <img>, where an SVG's scripts never run. */
import { useEffect, useState } from "react";
import { createMediaLoader } from "../review/media";

const load = createMediaLoader();
const PICTURE = /\.(png|jpe?g|gif|webp|svg|bmp|avif|ico|tiff?)$/i;
const SOUND = /\.(mp3|wav|ogg|oga|opus|m4a|aac|flac|webm|mp4|mov|mkv|avi|mpe?g|3gp|spx)$/i;

export function canPreview(name: string): boolean {
  return PICTURE.test(name) || SOUND.test(name);
}

export function MediaPreview({ name }: { name: string }) {
  const [url, setUrl] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void load(name).then((found) => {
      if (live) setUrl(found);
    });
    return () => {
      live = false;
    };
  }, [name]);
  if (url === undefined) return <span className="muted small">Loading…</span>;
  if (url === null) return <span className="muted small">The file could not be loaded.</span>;
  if (PICTURE.test(name)) return <img className="media-check__picture" src={url} alt={name} />;
  return <audio className="media-check__sound" src={url} controls aria-label={name} />;
}
