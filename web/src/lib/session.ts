/**
 * The review session id: tells the server which instance keeps the learner's collection warm.
 * It is never needed for correctness (every answer is journaled before the server replies);
 * requests carry it in `X-Session-ID` while it is open, and a replacement the server hands back
 * (the old one expired) is adopted.
 */
type Listener = () => void;

export class SessionStore {
  private id: string | null = null;
  private readonly listeners = new Set<Listener>();

  get current(): string | null {
    return this.id;
  }

  getId = (): string | null => this.id;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(id: string | null): void {
    if (id === this.id) return;
    this.id = id;
    this.listeners.forEach((listener) => listener());
  }

  /** A session id the server returned: adopted only while a session is open. */
  adopt(returned: string | null): void {
    if (returned && this.id && returned !== this.id) this.set(returned);
  }
}
