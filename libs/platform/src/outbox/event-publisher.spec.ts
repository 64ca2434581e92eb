import { EventPublisher } from './event-publisher';

const info = { name: 'sales', schema: 'sales', topic: 'crm.sales.events', topicPrefix: '', consumerGroupPrefix: '', production: false, schemaOnly: false } as const;

describe('EventPublisher: waking the relay after a commit', () => {
  it('pokes its own relay while that one publishes, and sends no NOTIFY', async () => {
    const p = new EventPublisher(info);
    const relay = { active: () => true, poke: jest.fn() };
    const remote = jest.fn(async () => undefined);
    p.attachRelay(relay);
    p.attachRemoteWake(remote);
    p.committed();
    expect(relay.poke).toHaveBeenCalledTimes(1);
    expect(remote).not.toHaveBeenCalled();
  });

  it('without a publishing relay: one NOTIFY of its own in flight at a time, the commits meanwhile covered by one more', async () => {
    const p = new EventPublisher(info);
    const sends: (() => void)[] = [];
    const remote = jest.fn(() => new Promise<void>((resolve) => sends.push(resolve)));
    p.attachRemoteWake(remote);
    p.committed();
    p.committed();
    p.committed();
    await new Promise((r) => setImmediate(r));
    expect(remote).toHaveBeenCalledTimes(1);
    sends[0]();
    await new Promise((r) => setImmediate(r));
    expect(remote).toHaveBeenCalledTimes(2);
    sends[1]();
    await new Promise((r) => setImmediate(r));
    expect(remote).toHaveBeenCalledTimes(2);
    p.committed();
    await new Promise((r) => setImmediate(r));
    expect(remote).toHaveBeenCalledTimes(3);
  });

  it('a NOTIFY that hangs or fails does not stop later ones', async () => {
    jest.useFakeTimers();
    try {
      const p = new EventPublisher(info);
      const remote = jest.fn(() => new Promise<void>(() => undefined));
      p.attachRemoteWake(remote);
      p.committed();
      await Promise.resolve();
      expect(remote).toHaveBeenCalledTimes(1);
      p.committed(); // covered by the one in flight …
      await jest.advanceTimersByTimeAsync(5000);
      // … which never answered: after the timeout the commit that waited sends its own.
      expect(remote).toHaveBeenCalledTimes(2);
      const failing = new EventPublisher(info);
      const refused = jest.fn(() => Promise.reject(new Error('connection refused')));
      failing.attachRemoteWake(refused);
      failing.committed();
      await jest.advanceTimersByTimeAsync(0);
      failing.committed();
      await jest.advanceTimersByTimeAsync(0);
      expect(refused).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
