/** A preset's FSRS settings as server state, and Optimize / Evaluate / Save. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type FsrsSettings = components["schemas"]["FsrsSettingsSchema"];
export type FsrsChanges = components["schemas"]["FsrsChangesSchema"];
export type FsrsSaved = components["schemas"]["FsrsSavedSchema"];
export type Optimized = components["schemas"]["OptimizedSchema"];
export type Evaluation = components["schemas"]["EvaluationSchema"];

export const fsrsKeys = {
  one: (presetId: number) => ["fsrs", presetId] as const,
};

export function useFsrsSettings(presetId: number) {
  return useQuery({
    queryKey: fsrsKeys.one(presetId),
    queryFn: ({ signal }) =>
      unwrap(api.client.GET("/api/presets/{preset_id}/fsrs", { params: { path: { preset_id: presetId } }, signal })),
  });
}

export function useSaveFsrs(presetId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: FsrsChanges) =>
      unwrap(api.client.PUT("/api/presets/{preset_id}/fsrs", { params: { path: { preset_id: presetId } }, body })),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}

export function useOptimizeFsrs(presetId: number) {
  return useMutation({
    mutationFn: () =>
      unwrap(api.client.POST("/api/presets/{preset_id}/fsrs/optimize", { params: { path: { preset_id: presetId } } })),
  });
}

export function useEvaluateFsrs(presetId: number) {
  return useMutation({
    mutationFn: (params: number[]) =>
      unwrap(
        api.client.POST("/api/presets/{preset_id}/fsrs/evaluate", {
          params: { path: { preset_id: presetId } },
          body: { params },
        }),
      ),
  });
}
