import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { api } from "./api/client";
import { useTokenRefresh, useUsername } from "./auth/useAuth";
import { Layout } from "./components/Layout";

// Route-level code splitting: each page (and the charting library) loads when first visited.
const LoginPage = lazy(() => import("./pages/LoginPage"));
const DecksPage = lazy(() => import("./pages/DecksPage"));
const AddPage = lazy(() => import("./pages/AddPage"));
const BrowsePage = lazy(() => import("./pages/BrowsePage"));
const ReviewPage = lazy(() => import("./pages/ReviewPage"));
const StatsPage = lazy(() => import("./pages/StatsPage"));
const TransferPage = lazy(() => import("./pages/TransferPage"));

function Loading() {
  return (
    <div className="page-loading" role="status">
      Loading…
    </div>
  );
}

function RequireLogin({ children }: { children: React.ReactNode }) {
  const username = useUsername(api);
  const location = useLocation();
  if (!username) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return children;
}

export function App() {
  useTokenRefresh(api);
  const username = useUsername(api);
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={username ? <Navigate to="/" replace /> : <LoginPage />} />
        <Route
          element={
            <RequireLogin>
              <Layout />
            </RequireLogin>
          }
        >
          <Route index element={<DecksPage />} />
          <Route path="add" element={<AddPage />} />
          <Route path="browse" element={<BrowsePage />} />
          <Route path="review/:deckId" element={<ReviewPage />} />
          <Route path="stats" element={<StatsPage />} />
          <Route path="transfer" element={<TransferPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
