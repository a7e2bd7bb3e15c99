import { Suspense } from "react";
import { NavLink, Outlet, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { useUsername } from "../auth/useAuth";
import { SessionIndicator } from "./SessionIndicator";
import { setTheme, useTheme } from "./theme";

const LINKS = [
  { to: "/", label: "Decks", end: true },
  { to: "/add", label: "Add" },
  { to: "/browse", label: "Browse" },
  { to: "/stats", label: "Stats" },
  { to: "/transfer", label: "Import / Export" },
];

export function Layout() {
  const username = useUsername(api);
  const theme = useTheme();
  const navigate = useNavigate();
  return (
    <div className="shell">
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Javumbo home">
          <span className="brand-mark">J</span>
          <span className="brand-name">Javumbo</span>
        </NavLink>
        <nav className="nav" aria-label="Main">
          {LINKS.map((link) => (
            <NavLink key={link.to} to={link.to} end={link.end} className="nav-link">
              {link.label}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-tools">
          <SessionIndicator />
          <button
            type="button"
            className="icon-button"
            aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
            title={theme === "dark" ? "Light theme" : "Dark theme"}
            onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
          >
            {theme === "dark" ? "☀" : "☾"}
          </button>
          <span className="user-name" title="Logged in">
            {username}
          </span>
          <button
            type="button"
            className="button button--quiet"
            onClick={async () => {
              // Write back an open review session before the token goes away.
              const { id } = api.getSession();
              if (id) {
                await api.request("POST", "/api/session/flush", { body: { session_id: id } }).catch(() => undefined);
              }
              api.logout();
              navigate("/login");
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <main className="content">
        <Suspense fallback={<div className="page-loading">Loading…</div>}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
