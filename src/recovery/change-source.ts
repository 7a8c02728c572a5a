// Steps 6 and 9: the CHANGE MASTER statement the seed leaves blank, written in full for the replica's dialect, by
// file/position or, for a GTID pair, by GTID (MariaDB: gtid_slave_pos set first; MySQL: auto-positioning).
import type { Statement } from '../dialect/statement.js';
import { channelVerify, type Dialect } from '../dialect/dialect.js';
import { slot, type Role, type SqlAction } from './actions.js';
import { serverName, type RecoveryContext } from './context.js';
import type { Coordinates } from './state.js';
import { mariadbGtid, usesGtidPositioning } from './positioning.js';
import type { Step } from './step.js';
import { heading } from './step-headings.js';

/**
 * Whether the channel verifies its source's certificate, from --ssl-mode: VERIFY_CA/VERIFY_IDENTITY reach the channel
 * (*_SSL_VERIFY_SERVER_CERT), and a mode that does not verify says so where the server would verify by default
 * (MariaDB 11.4+); no --ssl-mode leaves the server's default.
 */
function verifyChannel(ctx: RecoveryContext, d: Dialect): boolean | undefined {
  const mode = ctx.settings.tls?.mode ?? (ctx.settings.given?.includes('sslMode') ? 'DISABLED' : undefined);
  return channelVerify(d.version, mode);
}

/** Everything steps 6 and 9 run on `replica`, in order; slots for coordinates not recorded yet. */
export function changeSourceStatements(ctx: RecoveryContext, replica: Role, coords: Coordinates | undefined): Statement[] {
  const source: Role = replica === 'BS' ? 'GS' : 'BS';
  const address = ctx.members[source].replication;
  const gtid = usesGtidPositioning(ctx);
  const d = ctx.dialect[replica];
  const change = d.changeSource({
    host: address.host,
    port: address.port,
    user: ctx.settings.replUser,
    password: ctx.settings.replPassword,
    ...(gtid ? { gtid: true } : { file: coords?.file ?? slot(`${source} File`, 'file'), position: coords?.position ?? slot(`${source} Position`, 'int') }),
    connectRetrySeconds: 10,
    tls: ctx.settings.replicationSsl
      ? { ca: ctx.settings.tls?.ca, cert: ctx.settings.tls?.cert, key: ctx.settings.tls?.key, verify: verifyChannel(ctx, d) }
      : undefined,
  });
  if (!mariadbGtid(ctx)) return [change];
  // MariaDB: the replica resumes from its gtid_slave_pos, so that is where the recorded position goes.
  return [d.setGtidSlavePos(coords?.gtid ?? slot(`${source} gtid_binlog_pos`, 'gtid')), change];
}

/** Step 6 (BS replicates from GS) and step 9 (GS replicates from BS) differ only in direction and wording. */
export function pointStep(o: {
  id: number;
  replica: Role;
  coords: (ctx: RecoveryContext) => Coordinates | undefined;
  note: (ctx: RecoveryContext) => string;
  after: string;
}): Step {
  return {
    ...heading(o.id),
    after: () => ({ [o.replica]: o.after }),
    async plan(ctx) {
      const statements = changeSourceStatements(ctx, o.replica, o.coords(ctx));
      const actions = statements.map((statement): SqlAction => ({ kind: 'sql', role: o.replica, statement, note: o.note(ctx) }));
      return {
        actions,
        question: `Run ${statements.length === 1 ? 'this statement' : `these ${statements.length} statements`} on ${serverName(ctx, o.replica)}?`,
      };
    },
  };
}
