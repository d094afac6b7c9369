/**
 * The subset of OpenAPI v3 that a structural CRD schema may use, with the keys spelled as the
 * API server reads them, plus the small builders the StreamJob schema is written with.
 *
 * `description` is required on every node so that `kubectl explain` never prints an empty field:
 * forgetting one is a type error, not a review comment.
 */

export type CelReason = 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate'

export interface CelRule {
  rule: string
  /** Names the field and the fix; shown verbatim by the API server and in docs/streamjob-api.md. */
  message: string
  fieldPath?: string
  reason?: CelReason
}

export interface Schema {
  description: string
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean'
  format?: 'int32' | 'int64' | 'date-time'
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: Schema
  items?: Schema
  /** Only `type` inside: structural schemas forbid descriptions and defaults under anyOf. */
  anyOf?: Array<{ type: 'integer' | 'string' }>
  enum?: string[]
  default?: unknown
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  maxProperties?: number
  pattern?: string
  'x-kubernetes-preserve-unknown-fields'?: true
  'x-kubernetes-int-or-string'?: true
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map'
  'x-kubernetes-list-map-keys'?: string[]
  'x-kubernetes-validations'?: CelRule[]
}

type Extra = Omit<Schema, 'description' | 'type' | 'properties' | 'items' | 'additionalProperties'>

export const str = (description: string, extra: Extra = {}): Schema => ({ description, type: 'string', ...extra })

export const int = (description: string, extra: Extra = {}): Schema => ({ description, type: 'integer', ...extra })

export const bool = (description: string, extra: Extra = {}): Schema => ({ description, type: 'boolean', ...extra })

export const obj = (description: string, properties: Record<string, Schema>, extra: Extra = {}): Schema => ({
  description,
  type: 'object',
  properties,
  ...extra,
})

export const list = (description: string, items: Schema, extra: Extra = {}): Schema => ({
  description,
  type: 'array',
  items,
  ...extra,
})

export const stringMap = (description: string, extra: Extra = {}): Schema => ({
  description,
  type: 'object',
  additionalProperties: str('A value.', { maxLength: 4096 }),
  ...extra,
})

export const timestamp = (description: string): Schema => str(description, { format: 'date-time' })

/**
 * A CEL `matches` with the regex in a raw string literal: in a plain CEL string `\.` or `\[` is a
 * syntax error, and doubling every backslash makes the patterns unreadable.
 */
export const matches = (expr: string, pattern: string): string => `${expr}.matches(r'${pattern}')`

/**
 * What Go's time.ParseDuration (and so CEL's `duration()`) accepts, narrowed to the units people
 * write and to at most five digits a part so that no value overflows int64 nanoseconds. The same
 * language as contract/duration.ts.
 */
export const DURATION_PATTERN = '^([0-9]{1,5}([.][0-9]{1,6})?(ms|s|m|h))+$'
const DURATION_MAX_LENGTH = 24

/**
 * A duration string. The pattern keeps `duration()` in other rules from failing; the pattern's own
 * message shows a regex, so a CEL rule repeats the check in words.
 */
export const duration = (path: string, description: string, dflt?: string): Schema =>
  str(description, {
    ...(dflt === undefined ? {} : { default: dflt }),
    pattern: DURATION_PATTERN,
    maxLength: DURATION_MAX_LENGTH,
    'x-kubernetes-validations': [
      {
        rule: `${matches('self', DURATION_PATTERN)} && duration(self) > duration('0s')`,
        message: `${path} must be a positive duration such as 500ms, 10s, 15m or 1h30m`,
      },
    ],
  })

/** True when every CEL expression in `fields` is a duration string `duration()` can parse. */
export const durationsParse = (...fields: string[]): string =>
  fields.map((f) => matches(f, DURATION_PATTERN)).join(' && ')

/** A `self == oldSelf` transition rule; `why` becomes part of the message. */
export const immutable = (path: string, why: string): CelRule => ({
  rule: 'self == oldSelf',
  message: `${path} is immutable: ${why}`,
})

/** `{ name }` of an object in the StreamJob's namespace. */
export const localRef = (description: string, what: string): Schema =>
  obj(
    description,
    { name: str(`Name of the ${what} in the StreamJob's namespace.`, { minLength: 1, maxLength: 253 }) },
    { required: ['name'] },
  )

/**
 * `schema` with each default stated at the end of its description: `kubectl explain` shows
 * descriptions but not defaults, and stating them by hand would let the two drift.
 */
export function describeDefaults(schema: Schema): Schema {
  const shown = schema.default !== undefined && typeof schema.default !== 'object'
  const out: Schema = { ...schema }
  if (shown) out.description = `${schema.description} Defaults to ${String(schema.default)}.`
  if (schema.items) out.items = describeDefaults(schema.items)
  if (schema.additionalProperties) out.additionalProperties = describeDefaults(schema.additionalProperties)
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, describeDefaults(v)]))
  }
  return out
}
