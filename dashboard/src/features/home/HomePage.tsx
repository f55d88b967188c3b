import { Page } from "@/components/ui";

export function HomePage() {
  return (
    <Page title="Home">
      <p className="muted">This screen is not built yet.</p>
    </Page>
  );
}
