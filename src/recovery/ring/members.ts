// A ring member's dialect and identity, whichever member it is: GS and BS from the context, D and the bystanders from
// the ring.
import type { ServerIdentity } from '../../adapters/mysql/session.js';
import type { Dialect } from '../../dialect/dialect.js';
import type { RecoveryContext } from '../context.js';
import { bystanderOf, type RingContext, type RingMember } from './topology.js';

export function dialectOf(ctx: RecoveryContext, r: RingContext, m: RingMember): Dialect {
  if (m === 'GS' || m === 'BS') return ctx.dialect[m];
  if (m === 'D') return r.dialect;
  return bystanderOf(r, m).dialect;
}

export function identityOf(ctx: RecoveryContext, r: RingContext, m: RingMember): ServerIdentity | undefined {
  if (m === 'GS' || m === 'BS') return ctx.identity[m];
  if (m === 'D') return r.identity;
  return bystanderOf(r, m).identity;
}
