// The steps that differ in a ring. Each wraps or replaces the pair's step of the same number, so that ids, questions
// that cover later steps, resume points and the runner stay as they are; a pair never sees these (stepsFor below).
//   2: BS stops replicating, its executed position in U's log is recorded; D applies all of BS's log, then stops (the
//      import on BS must never reach D) and its position is recorded.
//   6: BS's binary log position right after the import, before it applies anything from U: where D will resume.
//   9: D catches up from U directly, from where BS stopped applying U's log up to the copy's coordinates (START … UNTIL),
//      skipping BS's own events (IGNORE_SERVER_IDS) that reached D before; then D is pointed at BS.
//  10: D and U start replicating, then the proof goes round the ring.
import { parseReplicaStatus, type ReplicaStatus } from '../../adapters/mysql/replication.js';
import { StepFailed } from '../../base/errors.js';
import { backoffTo, pollUntil } from '../../base/poll.js';
import type { Statement } from '../../dialect/statement.js';
import { channelVerify } from '../../dialect/dialect.js';
import { slot, type Action, type SqlAction, type WaitAction } from '../actions.js';
import { serverName, type RecoveryContext } from '../context.js';
import { coordinatesFrom, readGtidBinlogPos } from '../coordinates.js';
import { offlineModeLift } from '../fence.js';
import { mariadbGtid, mysqlGtid, usesGtidPositioning } from '../positioning.js';
import { reached } from '../proof.js';
import { describeReplica, replicaStatusOf, waitForReplica } from '../replica-wait.js';
import type { Coordinates, RecoveryState, RingRecord } from '../state.js';
import { stopBsReplica } from '../steps/s02-stop-bs-replica.js';
import { pointBsAtGs } from '../steps/s06-point-bs-at-gs.js';
import type { Step } from '../step.js';
import { ringProofActions, ringVerdict } from './proof.js';
import { dialectOf, executedOf, memberBinlogEnd, memberReplicaStatus } from './members.js';
import { downstreamName, isRing, memberName, ringOrder, ringSize, type RingMember } from '../ring-topology.js';

/** D's dialect; a ring step in a pair is a bug. */
const downstreamDialect = (ctx: RecoveryContext) => {
  if (!isRing(ctx.members)) throw new Error('internal: a ring step in a pair');
  return dialectOf(ctx, 'D');
};
const record = (state: RecoveryState): RingRecord => (state.ring ??= {});

/** Step 2 in a ring: the pair's step, then BS's position in U's log, then D drained and stopped. */
export const ringStopBsReplica: Step = {
  ...stopBsReplica,
  async plan(ctx) {
    const dDialect = downstreamDialect(ctx);
    const p = await stopBsReplica.plan(ctx);
    const [stop, ...backup] = p.actions;
    const showBs = ctx.dialect.BS.showReplicaStatus();
    const showD = dDialect.showReplicaStatus();
    const bsLog = ctx.dialect.BS.showBinlogStatus();
    const d = downstreamName(ctx.members);
    const drained: WaitAction = {
      kind: 'wait',
      role: 'D',
      condition: `D has applied all of BS's binary log (at most ${ctx.settings.replicaTimeout}s)`,
      polls: showD,
      async probe(io) {
        const target = coordinatesFrom(await io.read('BS', bsLog), 'BS', bsLog.shown);
        const fail = (r: ReplicaStatus) =>
          new StepFailed(
            `${d} has not applied all of BS's binary log (BS at ${target.file}:${target.position}; D: ${describeReplica(r)}): its catch-up from U would start at the wrong place`,
            2,
            `Let D catch up with BS (fix the error on D), then run again with --resume. Nothing on BS was overwritten.`,
          );
        let last: ReplicaStatus | undefined;
        const done = await pollUntil(
          async () => {
            const r = (last = await memberReplicaStatus(ctx, io.read, 'D'));
            io.progress(`D: ${describeReplica(r)}`);
            if (reached(executedOf(r), target)) return true;
            // A D that is not applying (stopped, or an error) will not get there by waiting.
            if (r.lastSqlErrno || r.lastIoErrno || r.sqlRunning !== 'Yes' || r.ioRunning === 'No') throw fail(r);
            return undefined;
          },
          { ...backoffTo(200), timeoutMs: ctx.settings.replicaTimeout * 1000, signal: io.signal },
        );
        if (!done && !io.signal.aborted && last) throw fail(last);
      },
    };
    const actions: Action[] = [
      stop,
      {
        kind: 'sql',
        role: 'BS',
        statement: showBs,
        note: "record where BS stopped applying U's binary log: D's catch-up from U starts there",
        capture: (rows, state) => {
          const r = parseReplicaStatus(rows, ctx.dialect.BS);
          if (!r.execFile && !usesGtidPositioning(ctx))
            throw new StepFailed(
              "BS shows no executed position in U's binary log (its replication is not configured)",
              2,
              'D cannot be caught up from U by file/position: recover with --positioning gtid, or by hand.',
            );
          record(state).bsFromU = executedOf(r);
        },
      },
      drained,
      { kind: 'sql', role: 'D', statement: dDialect.stopReplica(), note: 'D must not replicate the import on BS' },
      {
        kind: 'sql',
        role: 'D',
        statement: showD,
        note: 'record where D stopped in BS’s binary log',
        capture: (rows, state) => void (record(state).dFromBs = executedOf(parseReplicaStatus(rows, dDialect))),
      },
      roundToGs(ctx),
      ...backup,
    ];
    return {
      ...p,
      actions,
      question: `${p.question?.replace(/\?$/, '') ?? `Stop replication on ${serverName(ctx, 'BS')}`}, and stop ${d} replicating from BS once it has applied all of BS's binary log?`,
    };
  },
};

/**
 * Every write of BS that D applied has gone round the ring to GS, hop by hop (D's log as it stands once D stopped, then
 * each member's log once it has applied that much). GS copies to BS only what it holds: a BS write still on its way
 * would reach GS after the copy and then every member but BS, which skips its own server_id. Reads only.
 */
function roundToGs(ctx: RecoveryContext): WaitAction {
  const members = ctx.members;
  // After D: E, F, …, then GS last.
  const path: RingMember[] = [...ringOrder(members).slice(3), 'GS'];
  return {
    kind: 'wait',
    role: 'GS',
    condition: `BS's writes that D applied have gone round the ring to GS (${['D', ...path].join(' → ')}: each member has applied its upstream's binary log up to where it stood once it held them all; at most ${ctx.settings.replicaTimeout}s)`,
    async probe(io) {
      let from: RingMember = 'D';
      let target = await memberBinlogEnd(ctx, io.read, from);
      for (const m of path) {
        const fail = (r: ReplicaStatus) =>
          new StepFailed(
            `${memberName(members, m)} has not applied ${memberName(members, from)}'s binary log up to ${target.file}:${target.position} (${describeReplica(r)}): BS's last writes have not gone round the ring to GS, and would come back after the copy to every member but BS`,
            2,
            `Let the ring catch up (fix replication on ${m}: status --ring), then run again with --resume. Nothing on BS was overwritten.`,
          );
        let last: ReplicaStatus | undefined;
        const done = await pollUntil(
          async () => {
            const r = (last = await memberReplicaStatus(ctx, io.read, m));
            io.progress(`${m}: ${describeReplica(r)}`);
            if (reached(executedOf(r), target)) return true;
            if (r.lastSqlErrno || r.lastIoErrno || r.sqlRunning !== 'Yes' || r.ioRunning === 'No') throw fail(r);
            return undefined;
          },
          { ...backoffTo(200), timeoutMs: ctx.settings.replicaTimeout * 1000, signal: io.signal },
        );
        if (!done) {
          if (io.signal.aborted || !last) return;
          throw fail(last);
        }
        if (m === 'GS') return;
        from = m;
        target = await memberBinlogEnd(ctx, io.read, m);
      }
    },
  };
}

/** Step 6 in a ring: BS's log position after the import, before it applies anything from U, then the pair's step. */
export const ringPointBsAtGs: Step = {
  ...pointBsAtGs,
  async plan(ctx) {
    const p = await pointBsAtGs.plan(ctx);
    const show = ctx.dialect.BS.showBinlogStatus();
    const recordAfterImport: SqlAction[] = [
      {
        kind: 'sql',
        role: 'BS',
        statement: show,
        note: 'D resumes from BS here: after the import, before BS applies anything from U',
        capture: (rows, state) => void (record(state).bsAfterImport = coordinatesFrom(rows, 'BS', show.shown)),
      },
    ];
    if (mariadbGtid(ctx))
      recordAfterImport.push({
        kind: 'sql',
        role: 'BS',
        statement: readGtidBinlogPos(),
        note: 'the GTID position of the same point',
        capture: (rows, state) => {
          const c = record(state).bsAfterImport;
          if (c) c.gtid = String(rows[0]?.gtid_binlog_pos ?? '');
        },
      });
    return { ...p, actions: [...recordAfterImport, ...p.actions] };
  },
};

/** CHANGE MASTER on D: to U for the catch-up (BS's events ignored), or to BS (nothing ignored). */
function pointD(ctx: RecoveryContext, to: 'GS' | 'BS', coords: Coordinates | undefined, ignore: Array<number | string>): Statement {
  const dDialect = downstreamDialect(ctx);
  const address = ctx.members[to].replication;
  const gtid = usesGtidPositioning(ctx);
  const what = to === 'GS' ? 'BS stopped at' : 'after import';
  const mode = ctx.settings.tls?.mode ?? (ctx.settings.given?.includes('sslMode') ? 'DISABLED' : undefined);
  return dDialect.changeSource({
    host: address.host,
    port: address.port,
    user: ctx.settings.replUser,
    password: ctx.settings.replPassword,
    ...(gtid
      ? { gtid: true }
      : { file: coords?.file ?? slot(`${to} File ${what}`, 'file'), position: coords?.position ?? slot(`${to} Position ${what}`, 'int') }),
    connectRetrySeconds: 10,
    // MySQL GTID filters what a replica applied already; IGNORE_SERVER_IDS there is deprecated and then refused
    // (https://dev.mysql.com/worklog/task/?id=10963): left out. MariaDB and file/position need it while D bypasses BS.
    ...(mysqlGtid(ctx) ? {} : { ignoreServerIds: ignore }),
    tls: ctx.settings.replicationSsl
      ? { ca: ctx.settings.tls?.ca, cert: ctx.settings.tls?.cert, key: ctx.settings.tls?.key, verify: channelVerify(dDialect.version, mode) }
      : undefined,
  });
}

/** Step 9 in a ring: U is not pointed at BS (it keeps its own upstream); D catches up from U, then replicates from BS. */
export const ringCatchUpD: Step = {
  id: 9,
  title: "Catch the bad server's downstream up from the good server, then point it at the bad server",
  on: 'D',
  after: () => ({}),
  async plan(ctx) {
    const d = downstreamDialect(ctx);
    const s = ctx.state;
    const bsId = ctx.identity.BS?.serverId;
    const x = s.gsCoords;
    const untilFile = x?.file ?? slot('GS File', 'file');
    const untilPos = x?.position ?? slot('GS Position', 'int');
    const dName = downstreamName(ctx.members);
    const catchUp: WaitAction = {
      kind: 'wait',
      role: 'D',
      condition: `D has applied GS's binary log up to ${untilFile}:${untilPos}, the copy's coordinates (at most ${ctx.settings.replicaTimeout}s)`,
      polls: d.showReplicaStatus(),
      async probe(io) {
        const target = io.state.gsCoords;
        if (!target) throw new StepFailed('no copy coordinates recorded: D cannot be caught up', 9, 'Run again with --resume from step 3.');
        const fail = (r: ReplicaStatus) =>
          new StepFailed(
            `${dName} did not catch up from GS to ${target.file}:${target.position}: ${describeReplica(r)}`,
            9,
            'Fix the cause on D (SHOW REPLICA STATUS), then run again with --resume: the catch-up is planned again.',
          );
        let last: ReplicaStatus | undefined;
        const done = await pollUntil(
          async () => {
            const r = (last = await memberReplicaStatus(ctx, io.read, 'D'));
            io.progress(`D: ${describeReplica(r)}`);
            if (reached(executedOf(r), target) && !r.lastSqlErrno) return (record(io.state).dCaughtUp = true);
            if (r.lastSqlErrno || (r.sqlRunning !== 'Yes' && !reached(executedOf(r), target))) throw fail(r);
            return undefined;
          },
          { ...backoffTo(200), timeoutMs: ctx.settings.replicaTimeout * 1000, signal: io.signal },
        );
        if (!done && !io.signal.aborted && last) throw fail(last);
      },
    };
    const bsIgnored = [bsId ?? slot('BS server_id', 'int')];
    const notes: string[] = [];
    // A resumed run: a catch-up cut short goes on from where D stands in GS's log (by file/position; a GTID replica
    // resumes from its own gtid_slave_pos anyway), never from where BS stopped again: D would apply events twice.
    let start = s.ring?.bsFromU;
    if (ctx.identity.D && !usesGtidPositioning(ctx) && start && !s.ring?.dCaughtUp) {
      const r = await memberReplicaStatus(ctx, ctx.read, 'D');
      const gs = ctx.members.GS.replication;
      // By address only: Master_Server_Id names the source last connected to, stale right after a CHANGE MASTER.
      if (r.sourceHost === gs.host && r.sourcePort === gs.port && r.execFile && reached(executedOf(r), start)) {
        start = executedOf(r);
        notes.push(`D had already caught up from GS to ${start.file}:${start.position} in the run being resumed: it goes on from there.`);
      }
    }
    const actions: Action[] = [
      { kind: 'sql', role: 'D', statement: d.stopReplica(), note: 'stopped since step 2 (said again: a resumed run may find it started)' },
    ];
    if (s.ring?.dCaughtUp) notes.push('D reached the copy’s coordinates in the run being resumed: it is only pointed at BS.');
    else
      actions.push(
        {
          kind: 'sql',
          role: 'D',
          statement: pointD(ctx, 'GS', start, bsIgnored),
          note: usesGtidPositioning(ctx)
            ? "from D's own gtid_slave_pos; BS's events already reached D through BS"
            : `from where BS stopped applying GS's binary log; BS's own events${bsId !== undefined ? ` (server_id ${bsId})` : ''} reached D through BS already`,
        },
        { kind: 'sql', role: 'D', statement: d.startReplicaUntil(untilFile, untilPos), note: "D applies exactly up to the copy's coordinates" },
        catchUp,
        { kind: 'sql', role: 'D', statement: d.stopReplica(), note: 'D holds what BS holds after the import' },
      );
    const after = s.ring?.bsAfterImport;
    if (mariadbGtid(ctx))
      actions.push({
        kind: 'sql',
        role: 'D',
        statement: d.setGtidSlavePos(after?.gtid ?? slot('BS gtid_binlog_pos after import', 'gtid')),
        note: 'BS’s GTID position after the import: D never replays the import',
      });
    actions.push({
      kind: 'sql',
      role: 'D',
      statement: pointD(ctx, 'BS', after, []),
      note: 'coordinates recorded in step 6, after the import and before BS applied anything from GS; nothing ignored any more',
    });
    return {
      actions,
      notes: [
        `In a ring GS keeps replicating from its own upstream: it is not pointed at BS. ${dName} catches up from GS directly, then replicates from BS.`,
        ...notes,
      ],
      question: `Catch ${dName} up from ${serverName(ctx, 'GS')} to the copy's coordinates, then point it at ${serverName(ctx, 'BS')}?`,
    };
  },
};

/** Step 10 in a ring: D and U start replicating (U from its own upstream, as before step 3), then the ring's proof. */
export const ringStartReplicas: Step = {
  id: 10,
  title: 'Start replication on the downstream and the good server, and prove the ring',
  on: 'D, GS',
  after: () => ({ GS: 'replicating from its upstream again' }),
  during: () => ({ GS: 'replicating from its upstream again if step 10 started it (START REPLICA), otherwise still stopped; --resume starts it' }),
  async plan(ctx) {
    const dDialect = downstreamDialect(ctx);
    const marker = ctx.settings.verify && ctx.settings.marker;
    return {
      actions: [
        ...(await offlineModeLift(ctx)),
        { kind: 'sql', role: 'D', statement: dDialect.startReplica(), note: 'D replicates from BS' },
        waitForReplica(ctx, 'D', 10, dDialect),
        { kind: 'sql', role: 'GS', statement: ctx.dialect.GS.startReplica(), note: 'GS replicates from its upstream, as before step 3' },
        waitForReplica(ctx, 'GS', 10),
        ...(await ringProofActions(ctx)),
      ],
      question: `Start replication on ${downstreamName(ctx.members)} and ${serverName(ctx, 'GS')}${marker ? ' and prove the ring with marker rows in schema mmrecover' : ctx.settings.verify ? ' and prove the ring' : ''}?`,
    };
  },
  async conclude(ctx) {
    const v = ringVerdict(ctx.state, ringSize(ctx.members));
    if (!v) return;
    ctx.emit({ event: 'verification', verification: v });
    if (v.verified) return;
    for (const role of ['BS', 'GS'] as const) {
      const r = await replicaStatusOf(ctx, ctx, role).catch(() => undefined);
      if (r) ctx.emit({ event: 'note', level: 'warn', step: 10, text: `${role}: ${describeReplica(r)}` });
    }
    const missing = Object.entries(v.ringMarkers ?? {})
      .filter(([, ok]) => !ok)
      .map(([k]) => k);
    throw new StepFailed(
      `replication runs round the ring but it is NOT verified${v.mismatched.length ? `: tables differ: ${v.mismatched.join(', ')}` : ''}${missing.length ? ` (markers that did not arrive: ${missing.join(', ')})` : ''}`,
      10,
      'Compare the listed tables by hand; BS stays fenced (step 11 not run).',
    );
  },
};
