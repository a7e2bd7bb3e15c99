/**
 * FSRS actions of a preset that save nothing: Optimize, Evaluate, the retention simulator and
 * its optimal retention. (The FSRS settings themselves are preset options, saved with the deck
 * options page through PUT /api/presets/<id>; GET/PUT /api/presets/<id>/fsrs serve other
 * clients.)
 */
import { useMutation } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type OptimizeRequest = components["schemas"]["OptimizeSchema"];
export type Optimized = components["schemas"]["OptimizedSchema"];
export type Evaluation = components["schemas"]["EvaluationSchema"];
export type SimulationRequest = components["schemas"]["SimulateSchema"];
export type Simulation = components["schemas"]["SimulationSchema"];
export type OptimalRetention = components["schemas"]["OptimalRetentionSchema"];

const path = (presetId: number) => ({ params: { path: { preset_id: presetId } } });

export function optimizeFsrs(presetId: number, body: OptimizeRequest): Promise<Optimized> {
  return unwrap(api.client.POST("/api/presets/{preset_id}/fsrs/optimize", { ...path(presetId), body }));
}

export function useOptimizeFsrs(presetId: number) {
  return useMutation({ mutationFn: (body: OptimizeRequest) => optimizeFsrs(presetId, body) });
}

export function useEvaluateFsrs(presetId: number) {
  return useMutation({
    mutationFn: (body: OptimizeRequest) =>
      unwrap(api.client.POST("/api/presets/{preset_id}/fsrs/evaluate", { ...path(presetId), body })),
  });
}

export function useSimulateFsrs(presetId: number) {
  return useMutation({
    mutationFn: (body: SimulationRequest) =>
      unwrap(api.client.POST("/api/presets/{preset_id}/fsrs/simulate", { ...path(presetId), body })),
  });
}

export function useOptimalRetention(presetId: number) {
  return useMutation({
    mutationFn: (body: SimulationRequest) =>
      unwrap(api.client.POST("/api/presets/{preset_id}/fsrs/optimal-retention", { ...path(presetId), body })),
  });
}
