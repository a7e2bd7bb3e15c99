/** The learner's account: password, logins everywhere, and closing the account. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api";

export function useChangePassword() {
  return useMutation({
    mutationFn: async (change: { current_password: string; new_password: string }) => {
      // Every other login ends; this one carries on with the new tokens the answer brings.
      const tokens = await unwrap(api.client.POST("/api/account/password", { body: change }));
      api.auth.set({ access_token: tokens.access_token, refresh_token: tokens.refresh_token, username: tokens.username });
    },
  });
}

/** Ends the local state of a login the server has just ended. */
function useForgetLogin() {
  const queryClient = useQueryClient();
  return () => {
    api.session.set(null);
    api.auth.logOut();
    queryClient.clear();
  };
}

export function useLogOutEverywhere() {
  const forget = useForgetLogin();
  return useMutation({
    mutationFn: () => unwrap(api.client.POST("/api/account/logout-all")),
    onSuccess: forget,
  });
}

export function useDeleteAccount() {
  const forget = useForgetLogin();
  return useMutation({
    mutationFn: (password: string) => unwrap(api.client.DELETE("/api/account", { body: { password } })),
    onSuccess: forget,
  });
}
