import { Page } from "@/components/ui";

export default function InboxPage() {
  return (
    <Page title="Inbox">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
