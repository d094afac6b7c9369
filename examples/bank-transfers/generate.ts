/**
 * Deterministic input for the bank job: deposits and transfers among `accounts` accounts, from a
 * seed. A transfer never spends more than its account's own deposits minus its earlier transfers
 * (credits are not counted), so whether it succeeds cannot depend on when credits arrive.
 */
import type { BankCommand } from './model.ts'

export function generateBankCommands(seed: number, count: number, accounts = 50): BankCommand[] {
  const random = mulberry32(seed)
  const own = new Map<string, number>()
  const commands: BankCommand[] = []
  for (let i = 0; i < count; i++) {
    const account = `acc-${Math.floor(random() * accounts)}`
    const funds = own.get(account) ?? 0
    if (funds < 10 || random() < 0.4) {
      const amount = 10 + Math.floor(random() * 990)
      own.set(account, funds + amount)
      commands.push({ type: 'deposit', id: `d-${seed}-${i}`, account, amount })
    } else {
      let to = `acc-${Math.floor(random() * accounts)}`
      if (to === account) to = `acc-${(Number(account.slice(4)) + 1) % accounts}`
      const amount = 1 + Math.floor(random() * funds)
      own.set(account, funds - amount)
      commands.push({ type: 'transfer', id: `t-${seed}-${i}`, from: account, to, amount })
    }
  }
  return commands
}

/** The account whose task must see the command: the record key to produce it with. */
export function commandKey(command: BankCommand): string {
  return command.type === 'transfer' ? command.from : command.account
}

/** A small, fast, seedable PRNG (Mulberry32): replays must generate the same input. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
