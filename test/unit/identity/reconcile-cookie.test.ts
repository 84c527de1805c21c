import { describe, expect, it } from 'vitest';
import { reconcileCookie, type LocalVisitor } from '../../../src/browser/identity/reconcile-cookie';
import type { SharedVisitor } from '../../../src/browser/identity/visitor-cookie';

const NOW = 10_000;
const local = (v: Partial<LocalVisitor> = {}): LocalVisitor => ({ a: 'www-id', u: null, c: false, r: 0, t: 100, b: 100, ...v });
const cookie = (v: Partial<SharedVisitor> = {}): SharedVisitor => ({ a: 'www-id', u: null, c: false, r: 0, t: 100, ...v });

describe('reconcileCookie', () => {
  it('writes this origin’s visitor when there is no cookie', () => {
    const l = local({ u: 'user-1', c: true });
    expect(reconcileCookie(l, undefined, NOW)).toEqual({ next: l, write: true });
  });

  it('takes an id it knew before there was a cookie as begun now: no reset can have happened unseen', () => {
    expect(reconcileCookie(local({ b: 0 }), undefined, NOW)).toEqual({ next: local({ b: NOW }), write: true });
  });

  it('with a cookie and no view of it yet, an id of unknown age gives way to a later reset, and merges without one', () => {
    expect(reconcileCookie(local({ a: 'old', b: 0 }), cookie({ a: 'new', r: 50, t: 60 }), NOW).change).toBe('reset');
    expect(reconcileCookie(local({ a: 'old', b: 0 }), cookie({ a: 'new', r: 0, t: 60 }), NOW).change).toBe('merge');
  });

  it('changes nothing when both agree (and never rewrites the cookie for its time alone)', () => {
    expect(reconcileCookie(local(), cookie(), NOW)).toEqual({ next: local(), write: false });
    expect(reconcileCookie(local({ t: 500 }), cookie({ t: 100 }), NOW)).toEqual({ next: local({ t: 500 }), write: false });
  });

  describe('one anonymous id', () => {
    it('takes contactable from the cookie (a lead form on another subdomain)', () => {
      const out = reconcileCookie(local(), cookie({ c: true, t: 300 }), NOW);
      expect(out).toEqual({ next: local({ c: true, t: 300 }), write: false });
    });

    it('writes contactable learnt here', () => {
      const out = reconcileCookie(local({ c: true, t: 300 }), cookie(), NOW);
      expect(out.write).toBe(true);
      expect(out.next).toMatchObject({ c: true, t: 300 });
    });

    it('never turns contactable back to false', () => {
      expect(reconcileCookie(local({ c: true, t: 100 }), cookie({ c: false, t: 900 }), NOW).next.c).toBe(true);
    });

    it('keeps the newer userId, and a userId over none', () => {
      expect(reconcileCookie(local({ u: 'old', t: 100 }), cookie({ u: 'new', t: 200 }), NOW)).toMatchObject({ next: { u: 'new' }, write: false });
      expect(reconcileCookie(local({ u: 'new', t: 200 }), cookie({ u: 'old', t: 100 }), NOW)).toMatchObject({ next: { u: 'new' }, write: true });
      expect(reconcileCookie(local({ u: 'mine', t: 100 }), cookie({ u: null, c: true, t: 200 }), NOW)).toMatchObject({ next: { u: 'mine', c: true }, write: true });
    });
  });

  describe('another anonymous id', () => {
    it('starts over after a reset on another subdomain: held events dropped, traits forgotten', () => {
      const out = reconcileCookie(local({ u: 'old-user', c: true, b: 100 }), cookie({ a: 'new-id', r: 200, t: 200 }), NOW);
      expect(out).toEqual({ next: { a: 'new-id', u: null, c: false, r: 200, t: 200, b: NOW }, write: false, change: 'reset' });
    });

    it('starts over after several resets elsewhere', () => {
      expect(reconcileCookie(local({ b: 100 }), cookie({ a: 'third-id', r: 900, t: 900 }), NOW).change).toBe('reset');
    });

    it('keeps its own reset when the cookie still names the visitor it left', () => {
      const fresh = local({ a: 'after-reset', r: 5000, t: 5000, b: 5000 });
      expect(reconcileCookie(fresh, cookie({ a: 'before-reset', c: true, u: 'old-user', t: 400 }), NOW)).toEqual({ next: fresh, write: true });
    });

    it('keeps its own reset made in the same millisecond as the cookie’s last change (identify, then reset, in one handler)', () => {
      const fresh = local({ a: 'after-reset', r: 400, t: 400, b: 400 });
      expect(reconcileCookie(fresh, cookie({ a: 'before-reset', c: true, t: 400 }), NOW)).toEqual({ next: fresh, write: true });
    });

    it('merges two visitors that began apart with no reset between (first visit on two subdomains at once)', () => {
      const out = reconcileCookie(local({ a: 'apply-id', b: 300 }), cookie({ a: 'www-id', r: 0, t: 200 }), NOW);
      expect(out).toEqual({ next: { a: 'www-id', u: null, c: false, r: 0, t: 200, b: NOW }, write: false, change: 'merge' });
    });

    it('merges visits from before the cookie existed, keeping a userId only this origin knew', () => {
      const out = reconcileCookie(local({ a: 'apply-id', u: 'user-7', b: 50 }), cookie({ a: 'www-id', t: 200 }), NOW);
      expect(out).toMatchObject({ next: { a: 'www-id', u: 'user-7', t: NOW }, write: true, change: 'merge' });
    });

    it('lets the visitor Regal knows as a contact win over an anonymous one', () => {
      const mine = local({ a: 'apply-id', u: 'user-7', c: true, b: 50 });
      const out = reconcileCookie(mine, cookie({ a: 'www-id', u: null, c: false, t: 200 }), NOW);
      expect(out).toEqual({ next: { ...mine, t: NOW }, write: true, change: undefined });
    });

    it('of two contacts, takes the cookie’s and forgets this one (never mixing their ids)', () => {
      const out = reconcileCookie(local({ a: 'apply-id', u: 'jane', c: true, b: 50 }), cookie({ a: 'www-id', u: null, c: true, t: 200 }), NOW);
      expect(out).toMatchObject({ next: { a: 'www-id', u: null, c: true }, write: false, change: 'reset' });
    });

    it('keeps the latest reset time, so a later visitor of another origin is not mistaken for a reset one', () => {
      const out = reconcileCookie(local({ a: 'x', c: true, r: 700, b: 700, t: 700 }), cookie({ a: 'y', r: 0, t: 800 }), NOW);
      expect(out.next.r).toBe(700);
      expect(out.write).toBe(true);
    });
  });
});
