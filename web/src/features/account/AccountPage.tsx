import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useUsername } from "../../lib/api";
import { errorMessage } from "../../lib/errors";
import { useChangePassword, useDeleteAccount, useLogOutEverywhere } from "./api";

const MIN_PASSWORD = 8;

export default function AccountPage() {
  const username = useUsername();
  return (
    <section className="page page--narrow">
      <div className="page-head">
        <h1>Account</h1>
        <span className="muted">{username}</span>
      </div>
      <ChangePassword />
      <LogOutEverywhere />
      <DeleteAccount />
    </section>
  );
}

function ChangePassword() {
  const change = useChangePassword();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setMismatch(next !== repeat);
    if (next !== repeat) return;
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent("");
          setNext("");
          setRepeat("");
        },
      },
    );
  };
  return (
    <form className="panel form" aria-label="Change password" onSubmit={submit}>
      <h2>Change password</h2>
      <p className="muted small">Your other logins (other browsers, Anki's sync) are logged out.</p>
      <label className="field">
        <span>Current password</span>
        <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
      </label>
      <div className="grid-2">
        <label className="field">
          <span>New password</span>
          <input type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <label className="field">
          <span>New password again</span>
          <input type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </label>
      </div>
      <ErrorNotice message={mismatch ? "The two new passwords differ." : change.error ? errorMessage(change.error) : null} />
      {change.isSuccess && (
        <p className="notice notice--ok" role="status">
          Password changed.
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={change.isPending}>
          Change password
        </button>
      </div>
    </form>
  );
}

function LogOutEverywhere() {
  const logOut = useLogOutEverywhere();
  return (
    <div className="panel form">
      <h2>Log out everywhere</h2>
      <p className="muted small">Every browser and every Anki app logged in to this account must log in again, this one too.</p>
      <ErrorNotice message={logOut.error ? errorMessage(logOut.error) : null} />
      <div className="form-actions">
        <button
          type="button"
          className="button"
          disabled={logOut.isPending}
          onClick={() => {
            if (window.confirm("Log out on every device, this one included?")) logOut.mutate();
          }}
        >
          Log out everywhere
        </button>
      </div>
    </div>
  );
}

function DeleteAccount() {
  const remove = useDeleteAccount();
  const [password, setPassword] = useState("");
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (window.confirm("Delete your account, every deck, card, review and media file? This cannot be undone.")) {
      remove.mutate(password);
    }
  };
  return (
    <form className="panel form panel--danger" aria-label="Delete account" onSubmit={submit}>
      <h2>Delete my account</h2>
      <p className="muted small">Your collection, media and review history are deleted from the server. Export your decks first to keep them.</p>
      <label className="field">
        <span>Password</span>
        <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <ErrorNotice message={remove.error ? errorMessage(remove.error) : null} />
      <div className="form-actions">
        <button type="submit" className="button button--danger" disabled={remove.isPending}>
          Delete my account
        </button>
      </div>
    </form>
  );
}
