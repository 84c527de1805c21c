/**
 * src/wire/schema.ts must mirror src/wire/regal-events-openapi.yaml (Regal's contract, copied here) field by field. This compares the
 * two structurally (property names, required sets, types, array items, $refs, looseness),
 * so a change on either side without the other fails here, and shows that the comparison
 * itself notices each kind of drift.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { OPENAPI_EXAMPLE_EVENT } from '../../../demo/server/openapi-example';
import {
  AddressSchema,
  ContactTraitsSchema,
  CustomEventSchema,
  EmailTraitSchema,
  ErrorSchema,
  OptInStateSchema,
  PhoneTraitSchema,
} from '../../../src/wire/schema';

// Relative to the repo root (vitest's cwd); happy-dom gives import.meta.url no file scheme.
const OPENAPI_PATH = resolve(process.cwd(), 'src/wire/regal-events-openapi.yaml');

interface ApiSchema {
  type?: string;
  $ref?: string;
  properties?: Record<string, ApiSchema>;
  required?: string[];
  items?: ApiSchema;
  additionalProperties?: boolean | ApiSchema;
}

/** The parsed YAML: walked by path in the tests, so left untyped. */
type OpenApiDoc = any;

/** The zod schema standing for each OpenAPI component. */
type NamedSchemas = Record<string, z.ZodType>;

const ZOD_SCHEMAS: NamedSchemas = {
  CustomEvent: CustomEventSchema,
  ContactTraits: ContactTraitsSchema,
  PhoneTrait: PhoneTraitSchema,
  EmailTrait: EmailTraitSchema,
  OptInState: OptInStateSchema,
  Address: AddressSchema,
  Error: ErrorSchema,
};

function loadOpenApi(): OpenApiDoc {
  return parse(readFileSync(OPENAPI_PATH, 'utf8'));
}

/** zod 4 internals: every schema has `def.type`; wrappers keep the inner one. */
function kind(schema: z.ZodType): string {
  return (schema as unknown as { def: { type: string } }).def.type;
}
function def<T>(schema: z.ZodType): T {
  return (schema as unknown as { def: T }).def;
}
function unwrapOptional(schema: z.ZodType): { inner: z.ZodType; optional: boolean } {
  if (kind(schema) !== 'optional') return { inner: schema, optional: false };
  return { inner: def<{ innerType: z.ZodType }>(schema).innerType, optional: true };
}

/** Unknown keys pass through: a `z.looseObject` (catchall unknown), or a record of unknown. */
function isLoose(schema: z.ZodType): boolean {
  if (kind(schema) === 'record') return true;
  const catchall = def<{ catchall?: z.ZodType }>(schema).catchall;
  return catchall !== undefined && ['unknown', 'any'].includes(kind(catchall));
}

/**
 * Every difference between an OpenAPI schema and a zod schema, as readable lines
 * (`PhoneTrait.isPrimary: OpenAPI says boolean, zod says string`). Empty when they agree.
 * A `$ref` must be the very zod schema named after the component it points to.
 */
function compare(path: string, api: ApiSchema, schema: z.ZodType, named: NamedSchemas): string[] {
  if (api.$ref !== undefined) {
    const target = api.$ref.split('/').pop()!;
    if (!(target in named)) return [`${path}: no zod schema stands for $ref ${target}`];
    return schema === named[target]
      ? []
      : [`${path}: OpenAPI refers to ${target}, zod uses another schema`];
  }
  const zodKind = kind(schema);
  switch (api.type) {
    case 'string':
    case 'boolean':
      return zodKind === api.type ? [] : [`${path}: OpenAPI says ${api.type}, zod says ${zodKind}`];
    case 'array':
      if (zodKind !== 'array') return [`${path}: OpenAPI says array, zod says ${zodKind}`];
      const element = def<{ element: z.ZodType }>(schema).element;
      return compare(`${path}[]`, api.items ?? {}, element, named);
    case 'object':
      return compareObject(path, api, schema, named);
    default:
      return [`${path}: OpenAPI type ${String(api.type)} is not handled by this comparison`];
  }
}

function compareObject(
  path: string,
  api: ApiSchema,
  schema: z.ZodType,
  named: NamedSchemas,
): string[] {
  const diffs: string[] = [];
  const apiLoose = api.additionalProperties !== false;
  const zodKind = kind(schema);
  if (zodKind !== 'object' && zodKind !== 'record') {
    return [`${path}: OpenAPI says object, zod says ${zodKind}`];
  }
  if (apiLoose !== isLoose(schema)) {
    const verb = (loose: boolean) => (loose ? 'allows' : 'forbids');
    diffs.push(`${path}: OpenAPI ${verb(apiLoose)} extra keys, zod ${verb(!apiLoose)} them`);
  }
  const apiProps = api.properties ?? {};
  if (zodKind === 'record') {
    // A free-form object (`properties` of an event): only a record of string to unknown fits.
    const { keyType, valueType } = def<{ keyType: z.ZodType; valueType: z.ZodType }>(schema);
    if (Object.keys(apiProps).length > 0) {
      diffs.push(`${path}: OpenAPI lists properties, zod has a record`);
    }
    if (kind(keyType) !== 'string' || !['unknown', 'any'].includes(kind(valueType))) {
      diffs.push(`${path}: zod record is not string -> unknown`);
    }
    return diffs;
  }
  const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
  const apiNames = Object.keys(apiProps).sort();
  const zodNames = Object.keys(shape).sort();
  for (const name of apiNames.filter((n) => !zodNames.includes(n))) {
    diffs.push(`${path}.${name}: in OpenAPI, missing in zod`);
  }
  for (const name of zodNames.filter((n) => !apiNames.includes(n))) {
    diffs.push(`${path}.${name}: in zod, missing in OpenAPI`);
  }
  const apiRequired = new Set(api.required ?? []);
  for (const name of apiNames.filter((n) => zodNames.includes(n))) {
    const { inner, optional } = unwrapOptional(shape[name]);
    if (apiRequired.has(name) === optional) {
      const [apiSays, zodSays] = optional ? ['required', 'optional'] : ['optional', 'required'];
      diffs.push(`${path}.${name}: OpenAPI says ${apiSays}, zod says ${zodSays}`);
    }
    diffs.push(...compare(`${path}.${name}`, apiProps[name], inner, named));
  }
  for (const name of apiRequired) {
    if (!apiNames.includes(name)) {
      diffs.push(`${path}.${name}: required but not a property in OpenAPI`);
    }
  }
  return diffs;
}

/** Compares every OpenAPI component with its zod schema; both sides must have the same set. */
function compareDocument(doc: OpenApiDoc, named: NamedSchemas): string[] {
  const components: Record<string, ApiSchema> = doc.components.schemas;
  const diffs: string[] = [];
  for (const name of Object.keys(components)) {
    if (!(name in named)) diffs.push(`${name}: OpenAPI component without a zod schema`);
    else diffs.push(...compareObject(name, components[name], named[name], named));
  }
  for (const name of Object.keys(named)) {
    if (!(name in components)) diffs.push(`${name}: zod schema without an OpenAPI component`);
  }
  return diffs;
}

function exampleEvent(doc: OpenApiDoc): unknown {
  const body = doc.paths['/events'].post.requestBody.content['application/json'];
  return body.examples.leadFormSubmitted.value;
}

describe('the zod wire schema mirrors the OpenAPI', () => {
  it('covers exactly the components of the OpenAPI', () => {
    expect(Object.keys(loadOpenApi().components.schemas).sort()).toEqual(
      Object.keys(ZOD_SCHEMAS).sort(),
    );
  });

  it.each(Object.keys(ZOD_SCHEMAS))(
    '%s has the same properties, required set, types and looseness',
    (name) => {
      const api = loadOpenApi().components.schemas[name];
      expect(compareObject(name, api, ZOD_SCHEMAS[name], ZOD_SCHEMAS)).toEqual([]);
    },
  );

  it('agrees on the whole document', () => {
    expect(compareDocument(loadOpenApi(), ZOD_SCHEMAS)).toEqual([]);
  });

  it("accepts the OpenAPI's own example", () => {
    const result = CustomEventSchema.safeParse(exampleEvent(loadOpenApi()));
    expect(result.error?.issues).toBeUndefined();
    expect(result.success).toBe(true);
  });

  it("keeps the demo server's copy of the example equal to the OpenAPI's", () => {
    expect(OPENAPI_EXAMPLE_EVENT).toEqual(exampleEvent(loadOpenApi()));
  });

  it('lets the opt-in extras Regal reads (text, ip) through, as the OpenAPI allows', () => {
    const optIn = { subscribed: true, text: 'I agree to calls', ip: '203.0.113.9' };
    expect(OptInStateSchema.parse(optIn)).toEqual(optIn);
  });
});

describe('the comparison notices drift', () => {
  type Mutation = [description: string, mutate: (doc: OpenApiDoc) => void, expected: string];
  const openApiDrifts: Mutation[] = [
    [
      'a property added to the OpenAPI',
      (doc) => (doc.components.schemas.PhoneTrait.properties.extension = { type: 'string' }),
      'PhoneTrait.extension: in OpenAPI, missing in zod',
    ],
    [
      'a property removed from the OpenAPI',
      (doc) => delete doc.components.schemas.Address.properties.zipcode,
      'Address.zipcode: in zod, missing in OpenAPI',
    ],
    [
      'a required field made optional',
      (doc) => (doc.components.schemas.PhoneTrait.required = []),
      'PhoneTrait.phoneNumber: OpenAPI says optional, zod says required',
    ],
    [
      'an optional field made required',
      (doc) => doc.components.schemas.CustomEvent.required.push('name'),
      'CustomEvent.name: OpenAPI says required, zod says optional',
    ],
    [
      'a type changed',
      (doc) => (doc.components.schemas.EmailTrait.properties.isPrimary = { type: 'string' }),
      'EmailTrait.isPrimary: OpenAPI says string, zod says boolean',
    ],
    [
      'an array of another item',
      (doc) => {
        doc.components.schemas.ContactTraits.properties.phones.items.$ref =
          '#/components/schemas/EmailTrait';
      },
      'ContactTraits.phones[]: OpenAPI refers to EmailTrait, zod uses another schema',
    ],
    [
      'a nested $ref changed',
      (doc) => {
        const smsOptIn = { $ref: '#/components/schemas/Address' };
        doc.components.schemas.PhoneTrait.properties.smsOptIn = smsOptIn;
      },
      'PhoneTrait.smsOptIn: OpenAPI refers to Address, zod uses another schema',
    ],
    [
      'extra keys forbidden in the OpenAPI',
      (doc) => (doc.components.schemas.OptInState.additionalProperties = false),
      'OptInState: OpenAPI forbids extra keys, zod allows them',
    ],
    [
      'a new component',
      (doc) => (doc.components.schemas.Batch = { type: 'object', properties: {} }),
      'Batch: OpenAPI component without a zod schema',
    ],
  ];

  it.each(openApiDrifts)('reports %s', (_description, mutate, expected) => {
    const doc = structuredClone(loadOpenApi());
    mutate(doc);
    expect(compareDocument(doc, ZOD_SCHEMAS)).toContain(expected);
  });

  type ZodDrift = [description: string, replace: NamedSchemas, expected: string];
  const zodDrifts: ZodDrift[] = [
    [
      'a field added in zod',
      { Address: AddressSchema.extend({ zip: z.string().optional() }) },
      'Address.zip: in zod, missing in OpenAPI',
    ],
    [
      'a required field made optional in zod',
      { PhoneTrait: PhoneTraitSchema.extend({ phoneNumber: z.string().optional() }) },
      'PhoneTrait.phoneNumber: OpenAPI says required, zod says optional',
    ],
    [
      'a type changed in zod',
      { OptInState: OptInStateSchema.extend({ subscribed: z.string().optional() }) },
      'OptInState.subscribed: OpenAPI says boolean, zod says string',
    ],
    [
      'a strict object in zod',
      { Error: z.strictObject(ErrorSchema.shape) },
      'Error: OpenAPI allows extra keys, zod forbids them',
    ],
    [
      'a stripping object in zod',
      { Address: z.object(AddressSchema.shape) },
      'Address: OpenAPI allows extra keys, zod forbids them',
    ],
  ];

  it.each(zodDrifts)('reports %s', (_description, replace, expected) => {
    expect(compareDocument(loadOpenApi(), { ...ZOD_SCHEMAS, ...replace })).toContain(expected);
  });

  it('reports a nested schema that is no longer the named one', () => {
    const drifted = ContactTraitsSchema.extend({
      phones: z.array(PhoneTraitSchema.extend({ label: z.string().optional() })).optional(),
    });
    expect(compareDocument(loadOpenApi(), { ...ZOD_SCHEMAS, ContactTraits: drifted })).toContain(
      'ContactTraits.phones[]: OpenAPI refers to PhoneTrait, zod uses another schema',
    );
  });
});
