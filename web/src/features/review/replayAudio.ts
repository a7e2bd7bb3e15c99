/** "R" replays the card's sounds, played by the page (the card's frame runs no script). */
import type { MediaLoader } from "./cardDocument";

const SOUND = /\[sound:([^\]]+)\]|<audio[^>]*\ssrc="([^"]+)"/g;

export function soundNames(html: string): string[] {
  return [...html.matchAll(SOUND)].map((m) => m[1] ?? m[2]).filter((name): name is string => !!name);
}

let playing: HTMLAudioElement | null = null;

/** Plays the sounds one after the other; a new call stops what was playing. */
export async function playSounds(names: string[], load: MediaLoader): Promise<void> {
  playing?.pause();
  for (const name of names) {
    const url = await load(name);
    if (!url) continue;
    const audio = new Audio(url);
    playing = audio;
    await new Promise<void>((resolve) => {
      audio.onended = () => resolve();
      audio.onerror = () => resolve();
      audio.onpause = () => resolve();
      audio.play().catch(() => resolve());
    });
    if (playing !== audio) return;
  }
}
