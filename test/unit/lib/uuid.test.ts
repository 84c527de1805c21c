import { describe, expect, it } from 'vitest';
import { idSource, uuid } from '../../../src/browser/lib/uuid';

describe('uuid', () => {
  it('makes RFC 4122 version 4 UUIDs', () => {
    for (let i = 0; i < 600; i++) expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('never repeats within a source, and two sources differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(uuid());
    expect(seen.size).toBe(5000);
    const a = idSource();
    const b = idSource();
    expect(a().slice(0, 24)).not.toBe(b().slice(0, 24));
  });

  it('works without crypto, from the random source given', () => {
    const saved = globalThis.crypto;
    Object.defineProperty(globalThis, 'crypto', { configurable: true, value: undefined });
    try {
      const next = idSource(() => 0.5);
      expect(next()).toMatch(/^80000000-8000-4000-8000-[0-9a-f]{12}$/);
      expect(next()).not.toBe(next());
    } finally {
      Object.defineProperty(globalThis, 'crypto', { configurable: true, value: saved });
    }
  });
});
