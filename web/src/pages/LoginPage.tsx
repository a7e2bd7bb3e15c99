import { useState } from "react";
import { api } from "../api/client";
import { ErrorNotice, errorMessage } from "../components/ErrorNotice";

export default function LoginPage() {
  const [mode, setMode] = useState<"login" | "register">("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === "register") await api.register(username.trim(), password);
      await api.login(username.trim(), password);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-screen">
      <form className="login-card" onSubmit={submit} aria-label={mode === "login" ? "Log in" : "Create account"}>
        <div className="login-brand">
          <span className="brand-mark brand-mark--large">J</span>
          <h1>Javumbo</h1>
          <p className="muted">Flashcards that remember for you.</p>
        </div>
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === "login"} className="tab" onClick={() => setMode("login")}>
            Log in
          </button>
          <button type="button" role="tab" aria-selected={mode === "register"} className="tab" onClick={() => setMode("register")}>
            Create account
          </button>
        </div>
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
