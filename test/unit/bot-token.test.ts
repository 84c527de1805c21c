import { describe, expect, it } from 'vitest';
import { readBotToken } from '../../src/browser/forms/bot-token';

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
