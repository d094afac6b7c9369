/** The bank example's records, shared by the job, the input generator and the verifier. */

export type BankCommand =
  | { type: 'deposit'; id: string; account: string; amount: number }
  | { type: 'transfer'; id: string; from: string; to: string; amount: number }
  | { type: 'credit'; id: string; account: string; amount: number }

/** What the job emits to the sink for every event (value JSON, key = account). */
export interface BankEvent {
  kind: 'deposit' | 'debit' | 'credit' | 'rejected'
  account: string
  amount: number
  balance: number
  cause: string
}

export function parseCommand(text: string): BankCommand {
  let value: Partial<BankCommand> & Record<string, unknown>
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error(`not JSON: ${text.slice(0, 80)}`)
  }
  const positive = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0
  if (typeof value.id !== 'string') throw new Error('command without a string "id"')
  if (
    (value.type === 'deposit' || value.type === 'credit') &&
    typeof value.account === 'string' &&
    positive(value.amount)
  ) {
    return value as BankCommand
  }
  if (
    value.type === 'transfer' &&
    typeof value.from === 'string' &&
    typeof value.to === 'string' &&
    positive(value.amount)
  ) {
    return value as BankCommand
  }
  throw new Error(`invalid command ${value.id}: expected a deposit, transfer or credit with a positive integer amount`)
}
