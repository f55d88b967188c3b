// The signed-in frame: sidebar navigation, a top bar with the live indicator, the notification bell, the theme
// switch and sign-out, and the screen. A support session adds its banner on top; a suspended workspace gets one
// page saying why instead of the frame.
import { useState, type ReactNode } from "react";
import { NavLink, useNavigate } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { NAV } from "./nav";
import { applyTheme, storedTheme, type Theme } from "./theme";
import { api, unwrap } from "@/lib/api/client";
import { readSession, writeSession } from "@/lib/auth/session";
import { LiveProvider, useLiveConnected } from "@/lib/live/LiveProvider";
import { NotificationBell } from "@/features/notifications/NotificationBell";
import { SubAccountBanner } from "@/features/agency/SubAccountBanner";
import { SupportBanner } from "@/features/admin/SupportBanner";
import { SuspendedPage } from "@/features/admin/SuspendedPage";
import { clearSuspension, useSuspension } from "@/lib/api/suspension";

function useSignOut() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return async () => {
    try {
      await api.POST("/auth/logout");
    } finally {
      writeSession(null);
      clearSuspension();
      queryClient.clear();
      navigate("/login");
    }
  };
}

export function Layout({ children }: { children: ReactNode }) {
  const suspension = useSuspension();
  const signOut = useSignOut();
  const me = useQuery({ queryKey: ["me"], queryFn: () => unwrap(api.GET("/me")), staleTime: 5 * 60_000 });
  if (suspension) return <SuspendedPage suspension={suspension} onLogOut={() => void signOut()} />;
  const role = me.data?.role ?? undefined;
  const nav = NAV.filter(
    (item) =>
      (!item.platformAdmin || me.data?.platform_admin) &&
      (!item.roles || (role !== undefined && item.roles.includes(role))),
  );
  return (
    <LiveProvider>
      <div className="shell">
        <nav className="sidebar" aria-label="Main">
          <div className="brand">
            Lead<span>Pilot</span>
          </div>
          {nav.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.to === "/"} className="nav-link">
              <span aria-hidden="true">{item.icon}</span>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="main">
          <SubAccountBanner />
          <SupportBanner />
          <TopBar />
          <main className="content" id="main">
            {children}
          </main>
        </div>
      </div>
    </LiveProvider>
  );
}

function TopBar() {
  const [theme, setTheme] = useState<Theme>(storedTheme());
  const live = useLiveConnected();
  const signOut = useSignOut();
  const me = useQuery({ queryKey: ["me"], queryFn: () => unwrap(api.GET("/me")), staleTime: 5 * 60_000 });
  const user = readSession()?.user;
  const workspace = me.data?.workspace;
  const toggleTheme = () => {
    const next = theme === "dark" ? "light" : "dark";
    applyTheme(next);
    setTheme(next);
  };

  return (
    <header className="topbar">
      <span className="muted" style={{ marginRight: "auto" }}>
        {workspace?.name ?? ""}
      </span>
      <span
        className={`badge ${live ? "success" : "warning"}`}
        title={live ? "Updates arrive live" : "Reconnecting; refreshing every few seconds"}
      >
        {live ? "Live" : "Polling"}
      </span>
      <NotificationBell />
      <button
        type="button"
        className="ghost"
        onClick={toggleTheme}
        aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
      >
        {theme === "dark" ? "☀" : "☾"}
      </button>
      <span className="muted">{user?.name ?? user?.email ?? ""}</span>
      <button type="button" onClick={() => void signOut()}>
        Log out
      </button>
    </header>
  );
}
