import { Page } from "@/components/ui";

export default function FlowsPage() {
  return (
    <Page title="Automations">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
