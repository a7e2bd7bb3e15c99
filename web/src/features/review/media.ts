/** Card media fetched with the learner's token and kept as data URLs for the card iframe. */
import { api, unwrap, type Api } from "../../lib/api";
import { ApiError } from "../../lib/errors";

const MAX_CACHED = 200;

export function createMediaLoader(client: Api = api): (name: string) => Promise<string | null> {
  const cache = new Map<string, Promise<string | null>>();
  return (name: string) => {
    let entry = cache.get(name);
    if (!entry) {
      entry = unwrap(client.client.GET("/api/media/{name}", { params: { path: { name } }, parseAs: "blob" }))
        .then((blob) => blobToDataUrl(blob as Blob))
        .catch((error: unknown) => {
          // A missing file stays missing; anything else may work on the next try.
          if (!(error instanceof ApiError && error.status === 404)) cache.delete(name);
          return null;
        });
      cache.set(name, entry);
      if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
    }
    return entry;
  };
}

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
