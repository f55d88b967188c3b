import { Page } from "@/components/ui";

export default function ContactPage() {
  return (
    <Page title="Contact">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
