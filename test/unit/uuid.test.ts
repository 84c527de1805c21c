import { describe, expect, it } from 'vitest';
import { uuid } from '../../src/lib/uuid';

describe('uuid', () => {
  it('makes RFC 4122 version 4 UUIDs', () => {
    for (let i = 0; i < 600; i++) expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('never repeats across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(uuid());
    expect(seen.size).toBe(2000);
  });
});
