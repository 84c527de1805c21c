import type { ErrorCode, RegalError } from './types';

/**
 * Builds the library's one error type. It is delivered through `onError` / `on('error')`
 * and the call's callback, never thrown at the host page.
 *
 * @example
 * regal.on('error', (e) => { if (e.code === 'invalid_phone') showPhoneHint(e.value) })
 */
export function regalError(code: ErrorCode, message: string, value?: unknown, status?: number): RegalError {
  const error = new Error(message) as RegalError;
  error.name = 'RegalError';
  error.code = code;
  if (value !== undefined) error.value = value;
  if (status !== undefined) error.status = status;
  return error;
}

/** True for errors made by `regalError`, also across realms (iframes), where instanceof fails. */
export function isRegalError(value: unknown): value is RegalError {
  return !!value && (value as RegalError).name === 'RegalError' && typeof (value as RegalError).code === 'string';
}
