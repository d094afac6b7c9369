/**
 * `exactly verify` against the real broker: it passes exact output, and it catches a duplicate,
 * a loss and a transaction left open, each with a non-zero exit and the finding named. A job
 * reading two topics is audited by its committed lineage after running in real workers through
 * SIGKILLs.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, inject, it } from 'vitest'
import { KafkajsClient } from '../../../../runtime/kafka/kafkajs/kafkajs-client.ts'
import { readToEnd } from '../../../../runtime/kafka/read-to-end.ts'
import { grantAcls } from '../../../../stack/kafka-acls.ts'
import { runExactly } from '../../../../stack/run-command.ts'
import { createTopic, kafkaFor } from '../../../../stack/topics.ts'
import { produceSlowly } from '../../helpers/kafka.ts'
import { type JobSpec, startWorker, waitForExit, waitUntil } from '../../helpers/worker-process.ts'

const stack = inject('stack')
const { kafka: broker } = stack
if (!broker) throw new Error('The integration stack has no Kafka broker')
const kafka = kafkaFor(broker.bootstrap)

function verify(input: string, output: string) {
  return runExactly(
    ['verify', '--bootstrap', broker!.bootstrap, '--example', 'word-count', '--input', input, '--output', output],
    { timeoutMs: 60_000 },
  )
}

async function send(topic: string, messages: Array<{ key: string; value: string }>): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages })
  await producer.disconnect()
}

// Side by side: each test has topics of its own.
describe.concurrent('exactly verify', () => {
  it('audits a job reading two topics by its committed lineage, after workers killed mid-transaction: exact, then a duplicate named', async ({
    expect,
  }) => {
    const [clicks, profiles, output, lineage] = await Promise.all([
      createTopic(kafka, 'lineage-clicks', 2),
      createTopic(kafka, 'lineage-profiles', 2),
      createTopic(kafka, 'lineage-out', 2),
      createTopic(kafka, 'lineage-lineage', 1),
    ])
    const config = { profilesTopic: profiles }
    const job: JobSpec = {
      name: 'lineage-enrich',
      uid: randomUUID(),
      module: 'test/fixtures/enrich-job.ts',
      config,
      sourceTopics: [clicks, profiles],
      sinkTopic: output,
      lineageTopic: lineage,
      parallelism: 1,
      prefix: `worker-tests/${randomUUID().slice(0, 8)}`,
    }
    // Both topics arrive at once, so how a task interleaves them decides which name a click gets.
    const users = (i: number) => `u${i % 15}`
    const feeding = Promise.all([
      produceSlowly(kafka, profiles, 400, (i) => ({ key: users(i), value: `name${i}` }), { batch: 20, pauseMs: 40 }),
      produceSlowly(kafka, clicks, 800, (i) => ({ key: users(i), value: `page${i}` }), { batch: 40, pauseMs: 40 }),
    ])
    // Killed with an open transaction (aborted: its lineage too), then with one recovery commits.
    let attempt = 1
    for (const step of ['after-precommit', 'before-commit']) {
      const doomed = await startWorker(stack, job, 0, { attempt: attempt++, failpoints: step })
      expect((await waitForExit(doomed, 60_000)).signal, doomed.tail()).toBe('SIGKILL')
    }
    const last = await startWorker(stack, job, 0, { attempt })
    await feeding
    // A fetch after the last record was acknowledged: lag 0 then means all of it was processed.
    await sleep(300)
    await waitUntil(
      async () => (await last.status()).lag === 0,
      30_000,
      () => `the worker did not catch up; its log ends:\n${last.tail()}`,
    )
    last.signal('SIGTERM')
    expect((await waitForExit(last, 30_000)).code, last.tail()).toBe(0)

    const audit = () =>
      runExactly(
        ['verify', '--bootstrap', broker!.bootstrap, '--job', 'test/fixtures/enrich-job.ts']
          .concat(['--config', JSON.stringify(config), '--input', `${clicks},${profiles}`])
          .concat(['--output', output, '--lineage', lineage]),
        { timeoutMs: 60_000 },
      )
    const exact = await audit()
    expect(exact.code, exact.stdout + exact.stderr).toBe(0)
    expect(exact.stdout).toMatch(/^output records: +800 \(expected 800\)$/m)
    expect(exact.stdout).toMatch(/^input records: +1200$/m)
    expect(exact.stdout).toMatch(/^processed twice: +0$/m)
    expect(Number(/^lineage runs: +(\d+)$/m.exec(exact.stdout)?.[1])).toBeGreaterThan(4)
    const client = new KafkajsClient({ brokers: [broker.bootstrap] })
    await client.connect()
    const [first] = (await readToEnd(client, output)).records
    await client.close()
    const again = { key: first!.key!.toString(), value: first!.value!.toString() }
    await send(output, [again])
    const duplicate = await audit()
    expect(duplicate.code).toBe(1)
    expect(duplicate.stdout).toMatch(/duplicates:\s+1/)
    expect(duplicate.stdout).toContain(`${again.key} → ${again.value}`)
  })

  it('audits a job with no model by replaying its own module: passes exact output, names a duplicate, refuses two inputs', async ({
    expect,
  }) => {
    // A job of the user's, outside the checkout, with a config: its exactly/runtime is the CLI's.
    const dir = mkdtempSync(join(tmpdir(), 'verify-job-'))
    const module = join(dir, 'job.ts')
    writeFileSync(
      module,
      [
        "import { defineJob } from 'exactly/runtime'",
        'export default defineJob<{ tag: string }>({',
        '  process(record, ctx) {',
        "    const k = record.key?.toString() ?? ''",
        '    const n = (ctx.state.get<number>(k) ?? 0) + 1',
        '    ctx.state.set(k, n)',
        '    ctx.emit({ key: k, value: ctx.config.tag + String(n) })',
        '  },',
        '})',
      ].join('\n'),
    )
    const input = await createTopic(kafka, 'replay-in', 2)
    const output = await createTopic(kafka, 'replay-out', 1)
    await send(
      input,
      ['x', 'y', 'x', 'z', 'x'].map((w) => ({ key: w, value: w })),
    )
    await send(output, [
      { key: 'x', value: '#1' },
      { key: 'x', value: '#2' },
      { key: 'y', value: '#1' },
      { key: 'z', value: '#1' },
      { key: 'x', value: '#3' },
    ])
    const replay = (inputs: string) =>
      runExactly(
        [
          'verify',
          '--bootstrap',
          broker!.bootstrap,
          '--job',
          module,
          '--config',
          '{"tag":"#"}',
          '--input',
          inputs,
          '--output',
          output,
        ],
        { timeoutMs: 60_000 },
      )
    const exact = await replay(input)
    expect(exact.code, exact.stdout + exact.stderr).toBe(0)
    expect(exact.stdout).toMatch(/^output records: +5 \(expected 5\)$/m)
    await send(output, [{ key: 'x', value: '#2' }])
    const duplicate = await replay(input)
    expect(duplicate.code).toBe(1)
    expect(duplicate.stdout).toMatch(/duplicates:\s+1/)
    expect(duplicate.stdout).toContain('x → #2')
    const two = await replay(`${input},${output}`)
    expect(two.code).toBe(2)
    expect(two.stderr).toContain('Cannot replay a job over 2 input topics')
  })

  it('passes exact output, then fails on a duplicate, a loss and an open transaction', async ({ expect }) => {
    const input = await createTopic(kafka, 'verify-in', 1)
    const output = await createTopic(kafka, 'verify-out', 1)
    await send(
      input,
      ['a', 'b', 'a'].map((w) => ({ key: w, value: w })),
    )
    await send(output, [
      { key: 'a', value: '1' },
      { key: 'b', value: '1' },
      { key: 'a', value: '2' },
    ])
    const exact = await verify(input, output)
    expect(exact.stdout, exact.stderr).toContain('verify: OK')
    expect(exact.code).toBe(0)
    expect(exact.stdout).toMatch(/^input records: +3$/m)

    await send(output, [{ key: 'b', value: '1' }])
    const duplicate = await verify(input, output)
    expect(duplicate.code).toBe(1)
    expect(duplicate.stdout).toMatch(/^input records: +3$/m)
    expect(duplicate.stdout).toMatch(/duplicates:\s+1/)
    expect(duplicate.stdout).toContain('b → 1')

    await send(input, [{ key: 'c', value: 'c' }])
    const missing = await verify(input, output)
    expect(missing.code, missing.stdout + missing.stderr).toBe(1)
    expect(missing.stdout).toMatch(/^input records: +4$/m)
    expect(missing.stdout).toMatch(/missing:\s+1/)
    expect(missing.stdout).toContain('c → 1')

    const client = new KafkajsClient({ brokers: [broker.bootstrap] })
    await client.connect()
    const writer = client.beginTransaction(await client.initProducerId(`verify-open-${output}`, 60_000))
    await writer.send([{ topic: output, partition: 0, key: Buffer.from('c'), value: Buffer.from('1') }])
    await writer.flush()
    const open = await verify(input, output)
    expect(open.code).toBe(1)
    expect(open.stdout).toMatch(/^input records: +4$/m)
    expect(open.stdout).toMatch(/open transactions:\s+1/)
    await client.endTransaction(writer.identity, true)
    await client.close()
    const closed = await verify(input, output)
    expect(closed.stdout).toMatch(/open transactions:\s+0/)
    // The committed c → 1 is no longer missing; the duplicate b → 1 still fails the audit.
    expect(closed.stdout).toMatch(/^input records: +4$/m)
    expect(closed.stdout).toMatch(/missing:\s+0/)
    expect(closed.code).toBe(1)
  })

  it('reads over SASL_SSL as a principal with Read on both topics, and names a wrong password', async ({ expect }) => {
    const input = await createTopic(kafka, 'verify-sec-in', 1)
    const output = await createTopic(kafka, 'verify-sec-out', 1)
    await send(input, [{ key: 'a', value: 'a' }])
    await send(output, [{ key: 'a', value: '1' }])
    // verify reads both topics and describes the output's open transactions: Read (and Describe) on each.
    const acls = [input, output].flatMap((name) =>
      (['Read', 'Describe'] as const).map((operation) => ({
        operation,
        resource: { type: 'topic' as const, name, pattern: 'literal' as const },
      })),
    )
    const { security } = broker!
    await grantAcls(kafka, 'job-e', acls)
    const dir = mkdtempSync(join(tmpdir(), 'exactly-verify-'))
    const secured = (password: string) => {
      writeFileSync(join(dir, 'password'), password)
      return runExactly(
        ['verify', '--bootstrap', security.saslSsl, '--example', 'word-count', '--input', input, '--output', output]
          .concat(['--tls-ca', security.caFile, '--sasl-mechanism', 'scram-sha-512', '--sasl-username', 'job-e'])
          .concat(['--sasl-password-file', join(dir, 'password')]),
        { timeoutMs: 60_000 },
      )
    }
    const ok = await secured(security.passwords['job-e'])
    expect(ok.stdout, ok.stderr).toContain('verify: OK')
    const wrong = await secured('wrong')
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toContain('SASL_AUTHENTICATION_FAILED')
  })

  it('names a missing argument and prints its usage (exit 2)', async ({ expect }) => {
    const res = await runExactly(['verify', '--example', 'word-count'])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('--bootstrap is required')
    expect(res.stderr).toContain('usage: exactly verify')
  })
})
