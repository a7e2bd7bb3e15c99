/** "R" replays the card's sounds, played by the page (the card's frame runs no script). */
import type { ReviewCard } from "./api";
import type { MediaLoader } from "./cardDocument";

const SOUND = /\[sound:([^\]]+)\]|<audio[^>]*\ssrc="([^"]+)"/g;

export function soundNames(html: string): string[] {
  return [...html.matchAll(SOUND)].map((m) => m[1] ?? m[2]).filter((name): name is string => !!name);
}

/** The sounds of the side on screen, as Anki plays them: the answer side leaves out the
 * question's sounds when the preset says not to replay the question (``replayq`` off). */
export function sideSounds(card: ReviewCard, answerSide: boolean): string[] {
  if (!answerSide) return soundNames(card.question);
  const answer = soundNames(card.answer);
  if (card.audio.replay_question) return answer;
  const question = new Set(soundNames(card.question));
  return answer.filter((name) => !question.has(name));
}

let playing: HTMLAudioElement | null = null;
let playback: Promise<void> = Promise.resolve();

/** Resolves when the sounds being played have ended (auto advance's "wait for audio"). */
export function soundsFinished(): Promise<void> {
  return playback;
}

/** Plays the sounds one after the other; a new call stops what was playing. */
export function playSounds(names: string[], load: MediaLoader): Promise<void> {
  playing?.pause();
  playback = playInOrder(names, load);
  return playback;
}

async function playInOrder(names: string[], load: MediaLoader): Promise<void> {
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
