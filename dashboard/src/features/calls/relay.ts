// The browser's side of a sandbox test call: it speaks Twilio's ConversationRelay protocol on the relay URL the
// test call returned (setup, then a final prompt per thing the caller says) and collects the agent's streamed
// tokens into answers.

export interface RelayHandlers {
  /** the agent's answer so far (called per token), and done when its last token came */
  onAnswer: (text: string, done: boolean) => void;
  /** the agent ended the session (a transfer or goodbye) */
  onEnd: (handoff: string) => void;
  onClose: () => void;
}

export class RelaySession {
  private socket: WebSocket;
  private answer = "";
  private ready: Promise<void>;

  constructor(url: string, setup: { callSid: string; from: string; to: string }, handlers: RelayHandlers) {
    this.socket = new WebSocket(url);
    this.ready = new Promise((resolve, reject) => {
      this.socket.onopen = () => {
        this.send({ type: "setup", sessionId: `VX${Date.now().toString(16)}`, ...setup });
        resolve();
      };
      this.socket.onerror = () => reject(new Error("The test call could not connect to the agent"));
    });
    this.ready.catch(() => undefined); // reported by say(); a call never spoken in is not an error
    this.socket.onmessage = (event) => {
      let message: { type?: string; token?: string; last?: boolean; handoffData?: string };
      try {
        message = JSON.parse(String(event.data)) as typeof message;
      } catch {
        return;
      }
      if (message.type === "text") {
        this.answer += message.token ?? "";
        handlers.onAnswer(this.answer.trim(), Boolean(message.last));
        if (message.last) this.answer = "";
      } else if (message.type === "end") {
        handlers.onEnd(message.handoffData ?? "");
      }
    };
    this.socket.onclose = () => handlers.onClose();
  }

  /** The caller says `text` (one final prompt, as Twilio sends after its turn detection). */
  async say(text: string): Promise<void> {
    await this.ready;
    this.send({ type: "prompt", voicePrompt: text, lang: "en-US", last: true });
  }

  close(): void {
    this.socket.close();
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
