/**
 * What the bank job must produce for an input that never overdraws an account from its own
 * deposits (the generator guarantees this, so no outcome depends on when credits arrive):
 * one `deposit` event per deposit, one `debit` and one `credit` event per transfer. Balances
 * depend on arrival order, so records are compared as (account, kind:cause), and the balances
 * are checked by invariants instead: each account's balances form a consistent chain, and the
 * final balances add up to the deposits.
 *
 * The model reads the commands and the events with its own parsers, written apart from the
 * job's (model.ts `parseCommand`): a bug in the job's parser must show as a difference, not be
 * shared by the model that judges it.
 */
import type { ExpectedOutput, InputRecord, OutputRecord } from '../verify-model.ts'

/** A command as the model reads it from the command topic. */
type Command =
  | { type: 'deposit'; id: string; account: string; amount: number }
  | { type: 'transfer'; id: string; from: string; to: string; amount: number }

/** An event as the model reads it from the sink. */
interface Event {
  kind: string
  account: string
  amount: number
  balance: number
  cause: string
}

/** A command record's value: a JSON deposit or transfer with a positive integer amount, or an error. */
export function readCommand(text: string): Command {
  const value = JSON.parse(text) as Record<string, unknown>
  const { type, id, amount } = value
  const name = (field: string) => {
    const v = value[field]
    if (typeof v !== 'string' || v === '') throw new Error(`command ${String(id)}: "${field}" is not a name`)
    return v
  }
  if (typeof id !== 'string' || id === '') throw new Error(`command without an id: ${text.slice(0, 80)}`)
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new Error(`command ${id}: the amount ${String(amount)} is not a positive integer`)
  }
  if (type === 'deposit') return { type, id, account: name('account'), amount }
  if (type === 'transfer') return { type, id, from: name('from'), to: name('to'), amount }
  throw new Error(`command ${id}: the command topic holds deposits and transfers, not "${String(type)}"`)
}

export function projectBankEvent(record: OutputRecord): OutputRecord {
  try {
    const event = JSON.parse(record.value ?? '') as Event
    return { key: record.key, value: `${event.kind}:${event.cause}` }
  } catch {
    return record
  }
}

export function expectedBank(input: readonly InputRecord[]): ExpectedOutput {
  const records: OutputRecord[] = []
  let deposited = 0
  for (const r of input) {
    const command = readCommand(r.value ?? '')
    if (command.type === 'deposit') {
      deposited += command.amount
      records.push({ key: command.account, value: `deposit:${command.id}` })
    } else {
      records.push({ key: command.from, value: `debit:${command.id}` })
      records.push({ key: command.to, value: `credit:${command.id}` })
    }
  }
  return { records, invariants: (actual) => bankInvariants(actual, deposited), project: projectBankEvent }
}

/** `actual` in output order (per key, the order the job wrote them). */
export function bankInvariants(actual: readonly OutputRecord[], deposited: number): string[] {
  const violations: string[] = []
  const last = new Map<string, number>()
  for (const record of actual) {
    const event = JSON.parse(record.value ?? '{}') as Event
    const before = last.get(event.account) ?? 0
    const delta = event.kind === 'debit' ? -event.amount : event.kind === 'rejected' ? 0 : event.amount
    if (before + delta !== event.balance) {
      violations.push(
        `account ${event.account}: ${event.kind} ${event.cause} of ${event.amount} moved the balance from ${before} to ${event.balance}`,
      )
    }
    last.set(event.account, event.balance)
  }
  const total = [...last.values()].reduce((a, b) => a + b, 0)
  if (total !== deposited) violations.push(`the balances add up to ${total}, but ${deposited} was deposited`)
  return violations
}
