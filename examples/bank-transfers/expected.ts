/**
 * What the bank job must produce for an input that never overdraws an account from its own
 * deposits (the generator guarantees this, so no outcome depends on when credits arrive):
 * one `deposit` event per deposit, one `debit` and one `credit` event per transfer. Balances
 * depend on arrival order, so records are compared as (account, kind:cause), and the balances
 * are checked by invariants instead: each account's balances form a consistent chain, and the
 * final balances add up to the deposits.
 */
import type { ExpectedOutput, InputRecord, OutputRecord } from '../verify-model.ts'
import { type BankEvent, parseCommand } from './model.ts'

export function projectBankEvent(record: OutputRecord): OutputRecord {
  try {
    const event = JSON.parse(record.value ?? '') as BankEvent
    return { key: record.key, value: `${event.kind}:${event.cause}` }
  } catch {
    return record
  }
}

export function expectedBank(input: readonly InputRecord[]): ExpectedOutput {
  const records: OutputRecord[] = []
  let deposited = 0
  for (const r of input) {
    const command = parseCommand(r.value ?? '')
    if (command.type === 'deposit') {
      deposited += command.amount
      records.push({ key: command.account, value: `deposit:${command.id}` })
    } else if (command.type === 'transfer') {
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
    const event = JSON.parse(record.value ?? '{}') as BankEvent
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
