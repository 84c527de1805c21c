import type { RelayEvent } from '../../wire/schema';

/**
 * The identifiers by which Regal may resolve the event to a contact: userId, every phone,
 * every email (lower-cased: one mailbox). Two events sharing any of them may concern the
 * same contact, so their relative order matters.
 */
export function identityKeys(event: RelayEvent): string[] {
  const keys: string[] = [];
  if (event.userId) keys.push(`u:${event.userId}`);
  for (const phone of event.traits.phones ?? []) keys.push(`p:${phone.phoneNumber}`);
  for (const email of event.traits.emails ?? []) keys.push(`e:${email.emailAddress.toLowerCase()}`);
  return keys;
}

/**
 * Splits a batch into chains that can be forwarded in parallel, each in batch order.
 *
 * Events are chained when they share an identifier, directly or through other events
 * (union-find): a visitor's `identify` with a phone and their next event with phone and
 * userId stay in order even though no single key is on both ends of the chain. Events with
 * no identifier at all cannot be resolved by Regal to anyone, so each goes alone.
 *
 * @example
 * visitorChains([{ keys: ['u:1'] }, { keys: ['u:2'] }, { keys: ['u:1', 'p:+1555'] }])
 * // [[item0, item2], [item1]]
 */
export function visitorChains<T extends { keys: readonly string[] }>(items: readonly T[]): T[][] {
  if (items.length === 1) return [[items[0]]];
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const owner = new Map<string, number>();
  items.forEach((item, i) => {
    for (const key of item.keys) {
      const other = owner.get(key);
      if (other === undefined) owner.set(key, i);
      else {
        const a = find(other);
        const b = find(i);
        // The earliest event is the root, so chains come out ordered by first event.
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const chains = new Map<number, T[]>();
  items.forEach((item, i) => {
    const root = find(i);
    const chain = chains.get(root);
    if (chain) chain.push(item);
    else chains.set(root, [item]);
  });
  return [...chains.values()];
}
