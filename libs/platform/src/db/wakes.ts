import { Client } from 'pg';
import type { Logger } from 'pino';

/** How long a wake-up (a NOTIFY) may take before the next one is sent anyway. */
const WAKE_TIMEOUT_MS = 5000;

/**
 * A wake-up sent to work another process polls for (a NOTIFY after a commit): one in flight at a
 * time, the calls made meanwhile covered by one more after it. A failed or hung wake-up loses
 * nothing — the receiver's poll finds the work — and must not hold back the next, so it counts as
 * done when it answers, fails, or after `timeoutMs`.
 */
export class CoalescedWake {
  private inFlight = false;
  private again = false;

  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly timeoutMs = WAKE_TIMEOUT_MS,
  ) {}

  fire(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    void settled(this.send, this.timeoutMs).then(() => {
      this.inFlight = false;
      if (!this.again) return;
      this.again = false;
      this.fire();
    });
  }
}

function settled(send: () => Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms).unref();
    void Promise.resolve()
      .then(send)
      .catch(() => undefined)
      .then(() => {
        clearTimeout(timer);
        resolve();
      });
  });
}

/**
 * The LISTEN side of the wake-ups: one connection per service process that does background work,
 * shared by its outbox relay and its job queues, opened at the first `listen`. A lost connection
 * is logged and not reopened: everything woken here also polls, so a wake-up only saves the wait.
 */
export class WakeListener {
  private client?: Promise<Client>;
  /** Per channel: its LISTEN (every listener of the channel waits for it) and who is woken. */
  private readonly channels = new Map<string, { listening: Promise<void>; handlers: Set<(payload: string) => void> }>();

  constructor(
    private readonly databaseUrl: string,
    private readonly applicationName: string,
    private readonly log: Logger,
  ) {}

  /**
   * Calls `onWake` with the payload of every NOTIFY on `channel` once the LISTEN is in place (when
   * this resolves); the function it resolves with stops that.
   */
  async listen(channel: string, onWake: (payload: string) => void): Promise<() => void> {
    let ch = this.channels.get(channel);
    if (!ch) {
      const listening = (async () => {
        const client = await (this.client ??= this.connect());
        await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      })();
      const added = (ch = { listening, handlers: new Set() });
      this.channels.set(channel, added);
      // A LISTEN that failed is tried again by the next listener of the channel.
      listening.catch(() => this.channels.get(channel) === added && this.channels.delete(channel));
    }
    await ch.listening;
    const { handlers } = ch;
    handlers.add(onWake);
    return () => handlers.delete(onWake);
  }

  private async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: this.applicationName });
    client.on('notification', (n) => {
      for (const onWake of this.channels.get(n.channel)?.handlers ?? []) onWake(n.payload ?? '');
    });
    client.on('error', (err) => this.log.warn({ err }, 'wake-up listener connection error; relying on polling'));
    try {
      await client.connect();
    } catch (err) {
      this.client = undefined; // the next listen connects again
      throw err;
    }
    return client;
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    this.channels.clear();
    await client?.end().catch(() => undefined);
  }
}
