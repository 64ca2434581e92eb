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

/** Backoff of the listener's reconnection: from this, doubling up to RECONNECT_MAX_MS. */
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/** A listener's handler: the payload of a NOTIFY, or undefined after a reconnection (anything may have been missed). */
export type OnWake = (payload: string | undefined) => void;

/**
 * The LISTEN side of the wake-ups: one connection per service process that does background work,
 * shared by its outbox relay and its job queues, opened at the first `listen`. A lost connection
 * (a database restart, a failover) is reopened with backoff and its channels listened to again;
 * meanwhile the work woken here is found by its polls, and once back every listener is woken once
 * for what may have been notified in between.
 */
export class WakeListener {
  private client?: Promise<Client>;
  /** The connected client, while it is the one in use. */
  private connected?: Client;
  /** Per channel: its LISTEN (every listener of the channel waits for it) and who is woken. */
  private readonly channels = new Map<string, { listening: Promise<void>; handlers: Set<OnWake> }>();
  private closed = false;
  private retryMs = RECONNECT_MIN_MS;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    private readonly applicationName: string,
    private readonly log: Logger,
  ) {}

  /**
   * Calls `onWake` at every NOTIFY on `channel` once the LISTEN is in place (when this resolves);
   * the function it resolves with stops that.
   */
  async listen(channel: string, onWake: OnWake): Promise<() => void> {
    let ch = this.channels.get(channel);
    if (!ch) {
      const listening = (async () => {
        const client = await (this.client ??= this.connect());
        await client.query(listenSql(channel));
      })();
      const added = (ch = { listening, handlers: new Set<OnWake>() });
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
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
    } catch (err) {
      this.client = undefined; // the next listen, or the next retry, connects again
      throw err;
    }
    this.connected = client;
    return client;
  }

  /** The connection in use broke: reopened after a pause. */
  private lost(client: Client, err?: unknown): void {
    if (this.closed || this.connected !== client) return;
    this.connected = undefined;
    this.client = undefined;
    this.log.warn({ err, retryMs: this.retryMs }, 'wake-up listener connection lost; relying on polling until it is back');
    client.end().catch(() => undefined);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.reconnect();
    }, this.retryMs);
    this.retry.unref?.();
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
  }

  private async reconnect(): Promise<void> {
    try {
      const client = await (this.client ??= this.connect());
      for (const channel of this.channels.keys()) await client.query(listenSql(channel));
    } catch (err) {
      this.log.warn({ err }, 'wake-up listener could not reconnect; trying again');
      if (this.connected) this.lost(this.connected, err);
      else this.reconnectLater();
      return;
    }
    this.retryMs = RECONNECT_MIN_MS;
    this.log.info('wake-up listener reconnected');
    for (const { handlers } of this.channels.values()) for (const onWake of handlers) onWake(undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    this.connected = undefined;
    this.channels.clear();
    await client?.end().catch(() => undefined);
  }
}

const listenSql = (channel: string) => `LISTEN "${channel.replace(/"/g, '""')}"`;
