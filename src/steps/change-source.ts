// Steps 6 and 9: the CHANGE MASTER statement the seed leaves blank, written in full for the replica's dialect.
import type { BinlogCoordinates } from '../adapters/mysql/replication.js';
import type { Statement } from '../dialect/statement.js';
import type { RecoveryContext, Role } from '../engine/context.js';
import { dialect } from '../engine/context.js';
import { placeholder } from './step.js';

/** CHANGE MASTER on `replica`, pointing at the other server with `coords` (placeholders when not yet known). */
export function changeSourceStatement(ctx: RecoveryContext, replica: Role, coords: BinlogCoordinates | undefined): Statement {
  const source: Role = replica === 'BS' ? 'GS' : 'BS';
  const address = source === 'GS' ? ctx.settings.goodAddress : ctx.settings.badAddress;
  const known = coords !== undefined && coords.position >= 0;
  const s = dialect(ctx, replica).changeSource({
    host: address.host,
    port: address.port,
    user: ctx.settings.replUser,
    password: ctx.settings.replPassword,
    file: known ? coords.file : placeholder(`${source} File`),
    position: known ? coords.position : 0,
    connectRetrySeconds: 10,
    tls: ctx.settings.replicationSsl ? { ca: ctx.settings.tls?.ca, cert: ctx.settings.tls?.cert, key: ctx.settings.tls?.key } : undefined,
  });
  if (known) return s;
  const pos = placeholder(`${source} Position`);
  return { sql: s.sql, shown: s.shown.replace(/(MASTER|SOURCE)_LOG_POS=0\b/, `$1_LOG_POS=${pos}`) };
}
