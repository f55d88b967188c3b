import { Page } from "@/components/ui";

export default function FlowBuilderPage() {
  return (
    <Page title="Flow builder">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
