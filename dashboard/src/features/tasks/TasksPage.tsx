import { Page } from "@/components/ui";

export default function TasksPage() {
  return (
    <Page title="Tasks">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
