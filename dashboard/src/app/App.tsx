// The router: public screens (login, sign up, accept an invite) and the signed-in shell whose screens load on
// demand, so the login and home screens stay small and the flow builder arrives only when opened.
import { lazy, Suspense, useSyncExternalStore } from "react";
import { QueryClientProvider } from "@tanstack/react-query";
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from "react-router";
import { queryClient } from "./queryClient";
import { Layout } from "./Layout";
import { ToastProvider } from "@/components/toast";
import { Loading } from "@/components/ui";
import { onSessionChange, readSession } from "@/lib/auth/session";
import { LoginPage, SignupPage, AcceptInvitePage } from "@/features/auth/AuthPages";
import { HomePage } from "@/features/home/HomePage";

const ContactsPage = lazy(() => import("@/features/contacts/ContactsPage"));
const ContactPage = lazy(() => import("@/features/contacts/ContactPage"));
const PipelinesPage = lazy(() => import("@/features/pipelines/PipelinesPage"));
const TasksPage = lazy(() => import("@/features/tasks/TasksPage"));
const InboxPage = lazy(() => import("@/features/inbox/InboxPage"));
const FlowsPage = lazy(() => import("@/features/flows/FlowsPage"));
const FlowBuilderPage = lazy(() => import("@/features/flows/FlowBuilderPage"));
const RunInspectorPage = lazy(() => import("@/features/flows/RunInspectorPage"));
const SequencesPage = lazy(() => import("@/features/sequences/SequencesPage"));
const SettingsPage = lazy(() => import("@/features/settings/SettingsPage"));
const IntegrationsPage = lazy(() => import("@/features/integrations/IntegrationsPage"));
const IntegrationCallbackPage = lazy(() => import("@/features/integrations/IntegrationCallbackPage"));
const WebhooksPage = lazy(() => import("@/features/webhooks/WebhooksPage"));
const CalendarPage = lazy(() => import("@/features/calendar/CalendarPage"));
const BookingPage = lazy(() => import("@/features/calendar/BookingPage"));
const ManagePage = lazy(() => import("@/features/calendar/ManagePage"));
const CallsPage = lazy(() => import("@/features/calls/CallsPage"));
const AgencyPage = lazy(() => import("@/features/agency/AgencyPage"));
const AdminPage = lazy(() => import("@/features/admin/AdminPage"));

function subscribe(callback: () => void) {
  return onSessionChange(() => callback());
}

export function useSignedIn(): boolean {
  return useSyncExternalStore(subscribe, () => readSession() !== null);
}

function RequireSession() {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login${next && next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`} replace />;
  }
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Outlet />
      </Suspense>
    </Layout>
  );
}

const router = createBrowserRouter(
  [
    { path: "/login", element: <LoginPage /> },
    { path: "/signup", element: <SignupPage /> },
    { path: "/accept-invite", element: <AcceptInvitePage /> },
    {
      path: "/book/manage/:token",
      element: (
        <Suspense fallback={<Loading />}>
          <ManagePage />
        </Suspense>
      ),
    },
    {
      path: "/book/:workspace/:slug",
      element: (
        <Suspense fallback={<Loading />}>
          <BookingPage />
        </Suspense>
      ),
    },
    {
      element: <RequireSession />,
      children: [
        { index: true, element: <HomePage /> },
        { path: "contacts", element: <ContactsPage /> },
        { path: "contacts/:contactId", element: <ContactPage /> },
        { path: "pipelines", element: <PipelinesPage /> },
        { path: "pipelines/:pipelineId", element: <PipelinesPage /> },
        { path: "tasks", element: <TasksPage /> },
        { path: "calendar", element: <CalendarPage /> },
        { path: "inbox", element: <InboxPage /> },
        { path: "inbox/:contactId", element: <InboxPage /> },
        { path: "automations", element: <FlowsPage /> },
        { path: "automations/:flowId", element: <FlowBuilderPage /> },
        { path: "automations/:flowId/runs", element: <RunInspectorPage /> },
        { path: "automations/:flowId/runs/:runId", element: <RunInspectorPage /> },
        { path: "sequences", element: <SequencesPage /> },
        { path: "sequences/:sequenceId", element: <SequencesPage /> },
        { path: "webhooks", element: <WebhooksPage /> },
        { path: "webhooks/:endpointId", element: <WebhooksPage /> },
        { path: "calls", element: <CallsPage /> },
        { path: "calls/numbers", element: <CallsPage /> },
        { path: "settings/*", element: <SettingsPage /> },
        { path: "integrations", element: <IntegrationsPage /> },
        { path: "integrations/callback", element: <IntegrationCallbackPage /> },
        { path: "agency/*", element: <AgencyPage /> },
        { path: "admin/*", element: <AdminPage /> },
        { path: "*", element: <Navigate to="/" replace /> },
      ],
    },
  ],
  { basename: "/app" },
);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <RouterProvider router={router} />
      </ToastProvider>
    </QueryClientProvider>
  );
}
