import { InProcessEventBus } from './in-process-event-bus';
import type { InboundMessage } from './event-bus';

describe('InProcessEventBus', () => {
  it('delivers in order per group and resolves publish only after every subscriber handled the messages', async () => {
    const bus = new InProcessEventBus();
    const seenA: string[] = [];
    const seenB: string[] = [];
    let releaseB!: () => void;
    const gateB = new Promise<void>((r) => (releaseB = r));
    await bus.subscribe({ groupId: 'a', topics: ['t'], handle: async (m: InboundMessage) => void seenA.push(m.value!.toString()) });
    await bus.subscribe({
      groupId: 'b',
      topics: ['t'],
      handle: async (m: InboundMessage) => {
        await gateB;
        seenB.push(m.value!.toString());
      },
    });
    let published = false;
    const p = bus.publish([1, 2, 3].map((i) => ({ topic: 't', key: 'k', value: String(i) }))).then(() => (published = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(seenA).toEqual(['1', '2', '3']);
    expect(published).toBe(false); // group b has not handled them yet: the relay must not mark them published
    releaseB();
    await p;
    expect(seenB).toEqual(['1', '2', '3']);
    await bus.disconnect();
  });

  it('redelivers a message whose handler rejected, and does not wait for a group that left', async () => {
    const bus = new InProcessEventBus();
    let failures = 1;
    const seen: string[] = [];
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      handle: async (m: InboundMessage) => {
        if (failures-- > 0) throw new Error('database restarting');
        seen.push(m.value!.toString());
      },
    });
    await bus.publish([{ topic: 't', key: 'k', value: 'x' }]);
    expect(seen).toEqual(['x']);
    await sub.close();
    await bus.publish([{ topic: 't', key: 'k', value: 'nobody listens' }]);
    expect(seen).toEqual(['x']);
    await bus.disconnect();
  });
});
