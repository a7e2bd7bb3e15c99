/** Logging in and out, signing up, and what the server allows (is registration open?). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api";

export function useServerInfo() {
  return useQuery({
    queryKey: ["server-info"],
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/server-info", { signal })),
    staleTime: 5 * 60_000,
  });
}

export async function logIn(username: string, password: string): Promise<void> {
  const tokens = await unwrap(api.client.POST("/login", { body: { username, password } }));
  api.auth.set({ access_token: tokens.access_token, refresh_token: tokens.refresh_token, username: tokens.username });
}

export function useLogIn() {
  return useMutation({
    mutationFn: ({ username, password }: { username: string; password: string }) => logIn(username, password),
  });
}

export function useSignUp() {
  return useMutation({
    mutationFn: async ({ username, password }: { username: string; password: string }) => {
      await unwrap(api.client.POST("/register", { body: { username, password } }));
      await logIn(username, password);
    },
  });
}

/**
 * Logs out here: the server forgets this login's refresh token (POST /logout), the review
 * session ends, and every cached answer of this user is dropped. Local state goes even when the
 * server cannot be reached.
 */
export function useLogOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const refreshToken = api.auth.refreshToken;
      const sessionId = api.session.current;
      api.session.set(null);
      if (sessionId) await api.client.POST("/api/session/flush", { body: { session_id: sessionId } }).catch(() => undefined);
      if (refreshToken) await api.client.POST("/logout", { body: { refresh_token: refreshToken } }).catch(() => undefined);
    },
    onSettled: () => {
      api.auth.logOut();
      queryClient.clear();
    },
  });
}
