// Calls made while IndexedDB is still opening wait in memory, in order, as they were made.
import { describe, expect, it } from 'vitest';
import { clientsPerTest, fakeRelay } from '../helpers';

const make = clientsPerTest();

describe('calls made before storage loads', () => {
  it('keeps calls made before storage loaded, in order', async () => {
    const relay = fakeRelay();
    const regal = make();
    regal.track('a');
    regal.identify({ phone: '555 123 4567' });
    regal.track('b');
    await regal.flush();
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['a', 'identify', 'b']);
  });

  it('identify uses the traits as they were at the call, as track does with its properties (a form state cleared after submit)', async () => {
    const relay = fakeRelay();
    const regal = make();
    const form = { phone: '(555) 123-4567', firstName: 'Jane' };
    regal.identify(form);
    // The page clears its form state right after the call, as SPAs do after a submit.
    form.phone = '';
    form.firstName = '';
    await regal.flush();
    expect(regal.user().traits.phones?.[0]?.phoneNumber).toBe('+15551234567');
    expect(relay.events()[0]?.traits.firstName).toBe('Jane');
  });
});
