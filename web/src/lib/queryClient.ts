/** Server state lives in TanStack Query; this is its one client and its rules. */
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./errors";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // The middleware already retries what the server says passes; an error here is final,
        // except a dropped connection, tried once more.
        retry: (failures, error) => failures < 1 && error instanceof ApiError && error.code === "network",
        refetchOnWindowFocus: false,
        staleTime: 10_000,
      },
      mutations: { retry: false },
    },
  });
}

export const queryClient = createQueryClient();
