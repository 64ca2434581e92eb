import { InProcessEventBus, RETAINED_HANDLED_MESSAGES } from './in-process-event-bus';
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

  it('keeps only the last handled messages once every group has handled them, and goes on counting offsets', async () => {
    const bus = new InProcessEventBus();
    const offsets: string[] = [];
    let slowGroupSeen = 0;
    let releaseSlow!: () => void;
    const gate = new Promise<void>((r) => (releaseSlow = r));
    await bus.subscribe({ groupId: 'fast', topics: ['t'], handle: async (m: InboundMessage) => void offsets.push(m.offset) });
    await bus.subscribe({
      groupId: 'slow',
      topics: ['t'],
      handle: async () => {
        await gate;
        slowGroupSeen++;
      },
    });
    const total = RETAINED_HANDLED_MESSAGES * 5;
    const published = bus.publish(Array.from({ length: total }, (_, i) => ({ topic: 't', key: 'k', value: String(i) })));
    await new Promise((r) => setTimeout(r, 50));
    // The slow group has handled none yet: nothing may be dropped.
    expect(bus.messages('t')).toHaveLength(total);
    releaseSlow();
    await published;
    expect(slowGroupSeen).toBe(total);
    expect(bus.messages('t').length).toBeLessThan(RETAINED_HANDLED_MESSAGES * 2);
    expect(bus.messages('t').at(-1)!.value!.toString()).toBe(String(total - 1));
    await bus.publish([{ topic: 't', key: 'k', value: 'next' }]);
    expect(offsets.at(-1)).toBe(String(total));
    expect(offsets).toEqual(Array.from({ length: total + 1 }, (_, i) => String(i)));
    await bus.disconnect();
  });
});
