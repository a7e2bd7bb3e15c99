import { Suspense } from "react";
import { NavLink, Outlet } from "react-router-dom";
import { useLogOut } from "../features/auth/api";
import { useUsername } from "../lib/api";
import { setTheme, useTheme } from "./theme";

const LINKS = [
  { to: "/", label: "Decks", end: true },
  { to: "/add", label: "Add" },
  { to: "/browse", label: "Browse" },
  { to: "/notetypes", label: "Note types" },
  { to: "/media", label: "Media" },
  { to: "/stats", label: "Stats" },
  { to: "/transfer", label: "Import / Export" },
];

export function Layout() {
  const username = useUsername();
  const theme = useTheme();
  const logOut = useLogOut();
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
          <button
            type="button"
            className="icon-button"
            aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
            title={theme === "dark" ? "Light theme" : "Dark theme"}
            onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
          >
            {theme === "dark" ? "☀" : "☾"}
          </button>
          <NavLink to="/account" className="user-name" title="Your account">
            {username}
          </NavLink>
          <button type="button" className="button button--quiet" disabled={logOut.isPending} onClick={() => logOut.mutate()}>
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
