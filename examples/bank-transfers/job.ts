/**
 * Bank transfers: account balances with money moving between accounts.
 *
 * Sources: the command topic (deposits and transfers, keyed by the account they act on) and the
 * credits topic (keyed by the receiving account); both have the same partition count, so an
 * account's commands and credits meet in the same task. A transfer debits `from` in its task and
 * sends a credit for `to` through the credits topic, in the same transaction: a repartition
 * through Kafka, since tasks never exchange records directly.
 *
 * Every applied event emits the account's new balance, with the event id as its cause. The sum of
 * all balances always equals the sum of all deposits once the credits in flight have landed, so
 * one duplicated or lost record shows at once.
 */
import { defineJob } from 'exactly/runtime'
import { type BankEvent, parseCommand } from './model.ts'

interface BankConfig {
  /** The credits topic; also a source topic of the job. */
  creditsTopic: string
}

export default defineJob<BankConfig>({
  process(record, ctx) {
    const command = parseCommand(record.value?.toString() ?? '')
    const creditsTopic = ctx.config.creditsTopic
    if (!creditsTopic) throw new Error('job.config.creditsTopic is not set')
    const apply = (account: string, delta: number, kind: BankEvent['kind'], cause: string) => {
      const balance = (ctx.state.get<number>(account) ?? 0) + delta
      ctx.state.set(account, balance)
      const event: BankEvent = { kind, account, amount: Math.abs(delta), balance, cause }
      ctx.emit({ key: account, value: JSON.stringify(event) })
    }
    switch (command.type) {
      case 'deposit':
        apply(command.account, command.amount, 'deposit', command.id)
        return
      case 'credit':
        apply(command.account, command.amount, 'credit', command.id)
        return
      case 'transfer': {
        const available = ctx.state.get<number>(command.from) ?? 0
        if (available < command.amount) {
          const event: BankEvent = {
            kind: 'rejected',
            account: command.from,
            amount: command.amount,
            balance: available,
            cause: command.id,
          }
          ctx.emit({ key: command.from, value: JSON.stringify(event) })
          return
        }
        apply(command.from, -command.amount, 'debit', command.id)
        const credit = { type: 'credit', id: command.id, account: command.to, amount: command.amount }
        ctx.emit({ topic: creditsTopic, key: command.to, value: JSON.stringify(credit) })
      }
    }
  },
})
