import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRegal } from '../../../src/browser/client/client';
import { readBotToken } from '../../../src/browser/forms/bot-token';
import { trackForm } from '../../../src/browser/forms/track-form';
import type { RegalClient, RegalOptions } from '../../../src/browser/types';
import { RelayEventSchema } from '../../../src/wire/schema';
import { fakeRelay, tick } from '../helpers';

function form(html: string): HTMLFormElement {
  document.body.innerHTML = `<form>${html}</form>`;
  return document.querySelector('form')!;
}

describe('readBotToken', () => {
  it('reads the token each widget writes into the form', () => {
    expect(readBotToken(form('<input name="phone"><div class="cf-turnstile"><input type="hidden" name="cf-turnstile-response" value="ts-token"></div>'))).toBe('ts-token');
    expect(readBotToken(form('<textarea name="g-recaptcha-response" style="display:none">rc-token</textarea>'))).toBe('rc-token');
    // hCaptcha writes its token twice, under its own name and reCAPTCHA's.
    expect(readBotToken(form('<textarea name="g-recaptcha-response">hc-token</textarea><textarea name="h-captcha-response">hc-token</textarea>'))).toBe('hc-token');
  });

  it('gives nothing for a form without a widget, or with a widget not yet solved', () => {
    expect(readBotToken(form('<input name="phone" value="555"><input name="recaptcha" value="x">'))).toBeUndefined();
    expect(readBotToken(form('<input type="hidden" name="cf-turnstile-response" value="">'))).toBeUndefined();
  });

  it('reads only its own form: another form\'s widget on the page is not this submit\'s', () => {
    document.body.innerHTML = '<form id="a"><input name="phone"></form><form id="b"><input type="hidden" name="cf-turnstile-response" value="other"></form>';
    expect(readBotToken(document.querySelector<HTMLFormElement>('#a')!)).toBeUndefined();
  });
});

describe('the token on its way to the relay', () => {
  let clients: RegalClient[] = [];
  afterEach(() => {
    clients.forEach((c) => c.destroy());
    clients = [];
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
  });
  const make = (opts: RegalOptions = {}) => {
    const c = createRegal({ endpoint: '/regal', flushIntervalMs: 0, captureAttribution: false, ...opts });
    clients.push(c);
    return c;
  };

  it('rides on the identify that carries the form\'s consent, not on the tracked event', async () => {
    const relay = fakeRelay();
    const regal = make();
    document.body.innerHTML = `<form id="lead"><input name="phone" value="(555) 123-4567">
      <label><input type="checkbox" data-regal-consent="sms" checked> Texts are fine</label>
      <input type="hidden" name="cf-turnstile-response" value="0.turnstile-token"><button>Send</button></form>`;
    const form = document.querySelector('form')!;
    form.addEventListener('submit', (e) => e.preventDefault());
    trackForm(regal, form, { event: 'Lead Form Submitted' });
    form.requestSubmit();
    await tick(50);
    await regal.flush();
    const [identify, track] = relay.events();
    expect(identify.traits.phones[0].smsOptIn.subscribed).toBe(true);
    expect(identify.botToken).toBe('0.turnstile-token');
    expect(track.name).toBe('Lead Form Submitted');
    expect(track).not.toHaveProperty('botToken');
    // What the relay validates it with.
    expect(RelayEventSchema.safeParse(identify).success).toBe(true);
  });

  it('leaves identify without a widget as it was', async () => {
    const relay = fakeRelay();
    const regal = make();
    document.body.innerHTML = '<form><input name="email" value="jane@example.com"></form>';
    const form = document.querySelector('form')!;
    form.addEventListener('submit', (e) => e.preventDefault());
    trackForm(regal, form);
    form.requestSubmit();
    await tick(50);
    await regal.flush();
    expect(relay.events()[0]).not.toHaveProperty('botToken');
  });

  it('can be given to identify() by a page that handles its own form', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.identify({ phone: '+15551234567' }, { botToken: 'hc-token' });
    await regal.flush();
    expect(relay.events()[0].botToken).toBe('hc-token');
  });

  it('never goes to Regal in direct mode (there is no relay to verify it)', async () => {
    const relay = fakeRelay();
    const regal = make({ mode: 'direct', endpoint: 'https://events.regalvoice.com/events', apiKey: 'k' });
    await regal.identify({ phone: '+15551234567' }, { botToken: 'hc-token' });
    await regal.flush();
    expect(relay.sent).toHaveLength(1);
    expect(relay.sent[0].body).not.toHaveProperty('botToken');
    expect(relay.sent[0].body.traits.phones[0].phoneNumber).toBe('+15551234567');
  });
});
