import { describe, expect, it } from 'vitest'
import { parseDuration } from '../../../../contract/duration.ts'
import { STORAGE_URI_PATTERN } from '../../../../operator/api/checkpoint-schema.ts'
import { DURATION_PATTERN, type Schema } from '../../../../operator/api/openapi.ts'
import { streamJobCrd, streamJobSchema } from '../../../../operator/api/streamjob-schema.ts'

function* nodes(schema: Schema, path: string): Generator<[string, Schema]> {
  yield [path, schema]
  if (schema.items) yield* nodes(schema.items, `${path}[]`)
  if (schema.additionalProperties) yield* nodes(schema.additionalProperties, `${path}{}`)
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${path}.${name}`)
}

const all = [...nodes(streamJobSchema, '')]
const version = streamJobCrd.spec.versions[0]!

describe('streamJobCrd', () => {
  it('is exactly.dev/v1alpha1 StreamJob: namespaced, short name sj, category exactly, status subresource', () => {
    expect(streamJobCrd.metadata.name).toBe('streamjobs.exactly.dev')
    expect(streamJobCrd.spec).toMatchObject({
      group: 'exactly.dev',
      scope: 'Namespaced',
      names: { kind: 'StreamJob', plural: 'streamjobs', shortNames: ['sj'], categories: ['exactly'] },
    })
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } })
  })

  it('prints Phase, Ready, Parallelism, Last Checkpoint, Restarts, Age', () => {
    expect(version.additionalPrinterColumns.map((c) => c.name)).toEqual([
      'Phase',
      'Ready',
      'Parallelism',
      'Last Checkpoint',
      'Restarts',
      'Age',
    ])
  })

  it('describes every field, so kubectl explain has something to say', () => {
    const bare = all.filter(([path, s]) => path !== '.metadata' && !s.description?.trim()).map(([path]) => path)
    expect(bare).toEqual([])
  })

  it('keeps unknown fields only in job.config, never in status', () => {
    const open = all.filter(([, s]) => s['x-kubernetes-preserve-unknown-fields']).map(([path]) => path)
    expect(open).toEqual(['.spec.job.config'])
  })

  it('writes every CEL message as "<field> …" and points fieldPath at a field that exists', () => {
    for (const [path, s] of all) {
      for (const rule of s['x-kubernetes-validations'] ?? []) {
        expect(rule.message, `rule on ${path}`).toMatch(/^(spec|metadata)\.[A-Za-z.]+ /)
        if (!rule.fieldPath) continue
        let target: Schema | undefined = s
        for (const name of rule.fieldPath.slice(1).split('.')) target = target?.properties?.[name]
        expect(target, `fieldPath ${rule.fieldPath} on ${path}`).toBeDefined()
      }
    }
  })

  it('bounds every string and list (the API server estimates CEL cost from them)', () => {
    const spec = all.filter(([path]) => path.startsWith('.spec.'))
    const unbounded = spec
      .filter(([, s]) => (s.type === 'string' && !s.maxLength && !s.enum) || (s.type === 'array' && !s.maxItems))
      .map(([path]) => path)
    expect(unbounded).toEqual([])
  })
})

describe('DURATION_PATTERN', () => {
  const pattern = new RegExp(DURATION_PATTERN)

  it('accepts what both Go and contract/duration.ts parse', () => {
    for (const text of ['500ms', '10s', '15m', '1h', '1h30m', '1.5s', '99999h']) {
      expect(pattern.test(text), text).toBe(true)
      expect(() => parseDuration(text)).not.toThrow()
    }
  })

  it('refuses units and forms duration() or the runtime would not take', () => {
    for (const text of ['', '10', '-1s', '1d', '10 s', '1us', '.5s', '100000h', 'PT10S']) {
      expect(pattern.test(text), text).toBe(false)
    }
  })
})

describe('STORAGE_URI_PATTERN', () => {
  const pattern = new RegExp(STORAGE_URI_PATTERN)

  it('accepts s3://bucket and s3://bucket/prefix', () => {
    for (const uri of ['s3://checkpoints', 's3://my.bucket-1/exactly/prod', 's3://abc/']) {
      expect(pattern.test(uri), uri).toBe(true)
    }
  })

  it('refuses other schemes, upper case and bucket names outside 3..63 characters', () => {
    for (const uri of [
      'http://bucket',
      's3://Bucket',
      's3://ab',
      `s3://${'a'.repeat(64)}`,
      's3://-bucket',
      's3:///x',
    ]) {
      expect(pattern.test(uri), uri).toBe(false)
    }
  })
})
