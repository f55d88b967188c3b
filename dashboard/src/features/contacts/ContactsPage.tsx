import { Page } from "@/components/ui";

export default function ContactsPage() {
  return (
    <Page title="Contacts">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
