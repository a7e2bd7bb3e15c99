import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Layout } from "./components/Layout";
import { RequireLogin, returnPath } from "./features/auth/RequireLogin";
import { useTokenRefresh, useUsername } from "./lib/api";

// Route-level code splitting: each page (and the charting library) loads when first visited.
const LoginPage = lazy(() => import("./features/auth/LoginPage"));
const DecksPage = lazy(() => import("./features/decks/DecksPage"));
const DeckOptionsPage = lazy(() => import("./features/decks/DeckOptionsPage"));
const AddPage = lazy(() => import("./features/notes/AddPage"));
const BrowsePage = lazy(() => import("./features/browse/BrowsePage"));
const ReviewPage = lazy(() => import("./features/review/ReviewPage"));
const StatsPage = lazy(() => import("./features/stats/StatsPage"));
const TransferPage = lazy(() => import("./features/transfer/TransferPage"));
const AccountPage = lazy(() => import("./features/account/AccountPage"));
const NotetypesPage = lazy(() => import("./features/notetypes/NotetypesPage"));
const MediaCheckPage = lazy(() => import("./features/media/MediaCheckPage"));

function Loading() {
  return (
    <div className="page-loading" role="status">
      Loading…
    </div>
  );
}

/** The login page; once logged in, on to the page the visitor was going to. */
function LoginRoute() {
  const username = useUsername();
  const location = useLocation();
  return username ? <Navigate to={returnPath(location.state)} replace /> : <LoginPage />;
}

export function App() {
  useTokenRefresh();
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<LoginRoute />} />
        <Route
          element={
            <RequireLogin>
              <Layout />
            </RequireLogin>
          }
        >
          <Route index element={<DecksPage />} />
          <Route path="decks/:deckId/options" element={<DeckOptionsPage />} />
          <Route path="add" element={<AddPage />} />
          <Route path="browse" element={<BrowsePage />} />
          <Route path="notetypes" element={<NotetypesPage />} />
          <Route path="media" element={<MediaCheckPage />} />
          <Route path="review/:deckId" element={<ReviewPage />} />
          <Route path="stats" element={<StatsPage />} />
          <Route path="transfer" element={<TransferPage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
