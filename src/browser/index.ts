/**
 * regal-browser: send what visitors do to Regal, holding anonymous visitors' events until
 * they give a phone or an email.
 *
 * @example
 * import { createRegal } from 'regal-browser'
 * const regal = createRegal({ endpoint: '/regal' })
 * regal.page()
 * regal.track('CTA Clicked', { label: 'Get a quote' })
 * regal.identify({ phone: '(555) 123-4567', smsOptIn: true })
 */
export { createRegal } from './client/client';
export { isRegalError } from './errors';
export { trackForm, watchDeclarativeForms } from './forms/track-form';
export type {
  CallOptions,
  CallResult,
  Callback,
  DeliveredInfo,
  DropReason,
  DroppedInfo,
  ErrorCode,
  EventMap,
  IdentifyTraits,
  PageContext,
  Properties,
  RegalClient,
  RegalError,
  RegalEvents,
  RegalOptions,
  Stats,
  UserInfo,
} from './types';
export type { ContactTraits, CustomEvent, EmailTrait, OptInState, PhoneTrait, Address } from '../wire/schema';
