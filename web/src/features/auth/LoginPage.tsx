import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { useLogIn, useServerInfo, useSignUp } from "./api";

export default function LoginPage() {
  const [chosenMode, setMode] = useState<"login" | "register">("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const logIn = useLogIn();
  const signUp = useSignUp();
  // Sign-up is offered only when the server says registration is open.
  const registrationOpen = useServerInfo().data?.registration === "open";
  const mode = registrationOpen ? chosenMode : "login";
  const action = mode === "register" ? signUp : logIn;
  const busy = action.isPending;
  const error = action.error ? errorMessage(action.error) : null;

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    action.mutate({ username: username.trim(), password });
  };

  return (
    <div className="login-screen">
      <form className="login-card" onSubmit={submit} aria-label={mode === "login" ? "Log in" : "Create account"}>
        <div className="login-brand">
          <span className="brand-mark brand-mark--large">J</span>
          <h1>Javumbo</h1>
          <p className="muted">Flashcards that remember for you.</p>
        </div>
        {registrationOpen && (
          <div className="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={mode === "login"} className="tab" onClick={() => setMode("login")}>
              Log in
            </button>
            <button type="button" role="tab" aria-selected={mode === "register"} className="tab" onClick={() => setMode("register")}>
              Create account
            </button>
          </div>
        )}
        <label className="field">
          <span>Username</span>
          <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete={mode === "login" ? "current-password" : "new-password"}
            required
            minLength={mode === "register" ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorNotice message={error} />
        <button className="button button--primary button--wide" type="submit" disabled={busy}>
          {busy ? "Please wait…" : mode === "login" ? "Log in" : "Create account"}
        </button>
      </form>
    </div>
  );
}
