import { Page } from "@/components/ui";

export default function SettingsPage() {
  return (
    <Page title="Settings">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
