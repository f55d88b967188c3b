import { Page } from "@/components/ui";

export default function SequencesPage() {
  return (
    <Page title="Sequences">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
