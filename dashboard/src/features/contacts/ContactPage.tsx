// The contact profile: its fields edited in place, tags, score, conversation, notes, timeline, tasks, deals,
// automation runs and sequences. One column on a phone, two on wider screens.
import { Link, useParams } from "react-router";
import { Page, QueryState } from "@/components/ui";
import { isApiError } from "@/lib/api/errors";
import { Conversation } from "@/components/conversation/Conversation";
import "./contacts.css";
import { useContact } from "./api";
import { displayName } from "./columns";
import { CustomFieldsPanel, DetailsPanel, TagsPanel } from "./ProfileFields";
import { NotesPanel, TimelinePanel } from "./ProfileActivity";
import { DealsPanel, RunsPanel, ScorePanel, SequencesPanel, TasksPanel } from "./ProfileRelated";
import { Panel } from "@/components/ui";

export default function ContactPage() {
  const { contactId = "" } = useParams();
  const contact = useContact(contactId);
  if (isApiError(contact.error, 404)) {
    return (
      <Page title="Contact not found">
        <p>
          This contact does not exist or was deleted. <Link to="/contacts">Back to contacts</Link>
        </p>
      </Page>
    );
  }
  const title = contact.data ? displayName(contact.data) : "Contact";
  return (
    <Page
      title={title}
      actions={
        contact.data ? (
          <>
            <span className="badge accent">Score {contact.data.score}</span>
            {contact.data.do_not_contact ? <span className="badge danger">Do not contact</span> : null}
            <Link to={`/calls?contact_id=${contactId}`}>Calls</Link>
            <Link to="/contacts">All contacts</Link>
          </>
        ) : undefined
      }
    >
      <QueryState query={contact}>
        {(data) => (
          <div className="profile">
            <div className="profile-side stack">
              <DetailsPanel contact={data} />
              <CustomFieldsPanel contact={data} />
              <TagsPanel contact={data} />
              <ScorePanel contactId={data.id} />
              <SequencesPanel contactId={data.id} />
            </div>
            <div className="profile-main stack">
              <Panel title="Conversation">
                <Conversation contactId={data.id} />
              </Panel>
              <NotesPanel contactId={data.id} />
              <TasksPanel contactId={data.id} />
              <DealsPanel contactId={data.id} />
              <RunsPanel contactId={data.id} />
              <TimelinePanel contactId={data.id} />
            </div>
          </div>
        )}
      </QueryState>
    </Page>
  );
}
