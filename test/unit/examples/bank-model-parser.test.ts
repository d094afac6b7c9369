/**
 * The bank model judges the job with its own parser: a bug in the job's parser (model.ts
 * `parseCommand`) must show in the audit. Here the job's parser is replaced by one that doubles
 * every deposit. The job then stays self-consistent (more money, so no transfer is refused, and
 * each account's chain of balances adds up): a model that read the commands with the same parser
 * would count the doubled deposits too and pass it. The model's own parser must catch it.
 */
import { describe, expect, it, vi } from 'vitest'
import { expectedBank, readCommand } from '../../../examples/bank-transfers/expected.ts'
import { commandKey, generateBankCommands } from '../../../examples/bank-transfers/generate.ts'
import bankJob from '../../../examples/bank-transfers/job.ts'
import { type BankCommand, parseCommand } from '../../../examples/bank-transfers/model.ts'
import { compareOutput, type InputRecord, type OutputRecord } from '../../../examples/verify-model.ts'

vi.mock('../../../examples/bank-transfers/model.ts', async (original) => {
  const real = await original<typeof import('../../../examples/bank-transfers/model.ts')>()
  return {
    ...real,
    parseCommand: (text: string): BankCommand => {
      const command = real.parseCommand(text)
      return command.type === 'deposit' ? { ...command, amount: command.amount * 2 } : command
    },
  }
})

/** The job over `input` in one task (every account in it), its credits fed back in order. */
function runJob(input: InputRecord[]): OutputRecord[] {
  const state = new Map<string, unknown>()
  const queue = input.map((r) => r.value!)
  const output: OutputRecord[] = []
  while (queue.length > 0) {
    const value = queue.shift()!
    const ctx = {
      config: { creditsTopic: 'credits' },
      task: { partition: 0, slot: 0 },
      state: {
        get: (k: string) => state.get(k),
        set: (k: string, v: unknown) => void state.set(k, v),
        delete: (k: string) => void state.delete(k),
        has: (k: string) => state.has(k),
      },
      emit: (r: { topic?: string; key: string; value: string }) =>
        r.topic === 'credits' ? queue.push(r.value) : output.push({ key: r.key, value: r.value }),
    } as unknown as Parameters<typeof bankJob.process>[1]
    const record = { topic: 'commands', partition: 0, offset: 0n, key: null, value: Buffer.from(value) }
    bankJob.process(record as never, ctx)
  }
  return output
}

describe('the bank model has its own parser', () => {
  const commands = generateBankCommands(5, 500, 20)
  const input: InputRecord[] = commands.map((c, i) => ({
    topic: 'commands',
    partition: 0,
    offset: String(i),
    key: commandKey(c),
    value: JSON.stringify(c),
  }))

  it('reads what the generator wrote, and refuses what is not a deposit or transfer', () => {
    expect(commands.map((c) => readCommand(JSON.stringify(c)))).toEqual(commands)
    expect(() => readCommand('{"type":"credit","id":"c1","account":"a","amount":5}')).toThrow(/not "credit"/)
    expect(() => readCommand('{"type":"deposit","id":"d1","account":"a","amount":0}')).toThrow(/positive integer/)
    expect(() => readCommand('{"type":"transfer","id":"t1","from":"a","amount":5}')).toThrow(/"to" is not a name/)
  })

  it('catches a job whose parser doubles every deposit, which a model sharing that parser would pass', () => {
    const deposit = commands.find((c) => c.type === 'deposit')!
    expect(parseCommand(JSON.stringify(deposit)).amount, 'the job parser is the broken one').toBe(2 * deposit.amount)
    const output = runJob(input)
    const report = compareOutput(expectedBank(input), output)
    // Every event is there (records are compared as account and kind:cause) and each chain adds up.
    expect({ duplicates: report.duplicates, missing: report.missing, unexpected: report.unexpected }).toEqual({
      duplicates: [],
      missing: [],
      unexpected: [],
    })
    // But the money is not what was deposited.
    expect(report.ok).toBe(false)
    expect(report.invariantViolations).toEqual([
      expect.stringMatching(/^the balances add up to \d+, but \d+ was deposited$/),
    ])
  })
})
