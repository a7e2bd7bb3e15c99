import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type Stats = components["schemas"]["StatsSchema"];

export function useStats(deckId: number | null, days: number) {
  return useQuery({
    queryKey: ["stats", deckId, days],
    queryFn: ({ signal }) =>
      unwrap(api.client.GET("/api/stats", { params: { query: { deck_id: deckId ?? undefined, days } }, signal })),
    placeholderData: keepPreviousData,
  });
}
