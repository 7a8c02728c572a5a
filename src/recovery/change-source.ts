// Steps 6 and 9: the CHANGE MASTER statement the seed leaves blank, written in full for the replica's dialect, by
// file/position or, for a GTID pair, by GTID (MariaDB: gtid_slave_pos set first; MySQL: auto-positioning).
import type { Statement } from '../dialect/statement.js';
import type { Coordinates, RecoveryContext, Role } from './context.js';
import { dialect } from './context.js';
import { mariadbGtid, usesGtidPositioning } from './positioning.js';
import { placeholder, type Step } from './steps/step.js';

/** CHANGE MASTER on `replica`, pointing at the other server with `coords` (placeholders when not yet known). */
export function changeSourceStatement(ctx: RecoveryContext, replica: Role, coords: Coordinates | undefined): Statement {
  const source: Role = replica === 'BS' ? 'GS' : 'BS';
  const address = source === 'GS' ? ctx.settings.goodAddress : ctx.settings.badAddress;
  const gtid = usesGtidPositioning(ctx);
  const known = coords !== undefined && coords.position >= 0;
  const s = dialect(ctx, replica).changeSource({
    host: address.host,
    port: address.port,
    user: ctx.settings.replUser,
    password: ctx.settings.replPassword,
    ...(gtid ? { gtid: true } : { file: known ? coords.file : placeholder(`${source} File`), position: known ? coords.position : 0 }),
    connectRetrySeconds: 10,
    tls: ctx.settings.replicationSsl ? { ca: ctx.settings.tls?.ca, cert: ctx.settings.tls?.cert, key: ctx.settings.tls?.key } : undefined,
  });
  if (known || gtid) return s;
  const pos = placeholder(`${source} Position`);
  return { sql: s.sql, shown: s.shown.replace(/(MASTER|SOURCE)_LOG_POS=0\b/, `$1_LOG_POS=${pos}`) };
}

/** Everything steps 6 and 9 run on `replica`, in order. */
export function changeSourceStatements(ctx: RecoveryContext, replica: Role, coords: Coordinates | undefined): Statement[] {
  const source: Role = replica === 'BS' ? 'GS' : 'BS';
  const change = changeSourceStatement(ctx, replica, coords);
  if (!mariadbGtid(ctx)) return [change];
  // MariaDB: the replica resumes from its gtid_slave_pos, so that is where the recorded position goes.
  const pos = coords?.gtid ?? placeholder(`${source} gtid_binlog_pos`);
  return [dialect(ctx, replica).setGtidSlavePos(pos), change];
}

/** Step 6 (BS replicates from GS) and step 9 (GS replicates from BS) differ only in direction and wording. */
export function pointStep(o: { id: number; title: string; replica: Role; coords: (ctx: RecoveryContext) => Coordinates | undefined; note: (ctx: RecoveryContext) => string }): Step {
  const statements = (ctx: RecoveryContext) => changeSourceStatements(ctx, o.replica, o.coords(ctx));
  return {
    id: o.id,
    title: o.title,
    on: o.replica,
    question: (ctx) => `Run on ${o.replica}: ${statements(ctx).map((s) => s.shown).join('; ')}?`,
    async plan(ctx) {
      return statements(ctx).map((s) => ({ role: o.replica, shown: s.shown, note: o.note(ctx) }));
    },
    async run(ctx) {
      for (const s of statements(ctx)) await ctx.exec.sql(o.replica, s);
    },
  };
}
