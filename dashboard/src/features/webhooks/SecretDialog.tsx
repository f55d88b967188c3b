// The signing secret, shown once (after create and after a rotation), with a copy button.
import { CopyField, Modal } from "@/components/ui";

export function SecretDialog({ secret, rotated, onClose }: { secret: string; rotated: boolean; onClose: () => void }) {
  return (
    <Modal title={rotated ? "New signing secret" : "Endpoint added"} onClose={onClose}>
      <div className="stack">
        <p className="webhooks-warning" role="note">
          <strong>Copy it now.</strong> This is the only time the secret is shown.
          {rotated ? " The previous secret keeps signing beside it for 24 hours, so your receiver can switch." : ""}
        </p>
        <CopyField label="Signing secret" value={secret} />
        <p className="muted">
          Verify the <code>webhook-signature</code> header with any Standard Webhooks library.
        </p>
        <div className="row">
          <button type="button" className="primary" onClick={onClose}>
            I have copied it
          </button>
        </div>
      </div>
    </Modal>
  );
}
