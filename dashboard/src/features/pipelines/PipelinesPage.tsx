import { Page } from "@/components/ui";

export default function PipelinesPage() {
  return (
    <Page title="Pipelines">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
