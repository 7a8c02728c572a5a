// Golden statements per server version. Every expected string is written out in full so that a reviewer can check
// it against the vendors' manuals (see the version table in design.md) without running anything.
import { describe, expect, it } from 'vitest';
import { channelVerify, dialectFor, usesGtid, type ChangeSourceOptions, type ReplicaColumns, type SslMode } from '../../src/dialect/dialect.js';
import { quotingFor } from '../../src/dialect/statement.js';
import { parseVersion } from '../../src/dialect/version.js';

const d = (raw: string) => dialectFor(parseVersion(raw));

interface Golden {
  stop: string;
  start: string;
  show: string;
  reset: string;
  binlogStatus: string;
  resetBinlogs: string;
}

const SLAVE = { stop: 'STOP SLAVE', start: 'START SLAVE', show: 'SHOW SLAVE STATUS', reset: 'RESET SLAVE ALL' };
const REPLICA = { stop: 'STOP REPLICA', start: 'START REPLICA', show: 'SHOW REPLICA STATUS', reset: 'RESET REPLICA ALL' };
const OLD_BINLOG = { binlogStatus: 'SHOW MASTER STATUS', resetBinlogs: 'RESET MASTER' };

const SIMPLE: Record<string, Golden> = {
  '5.7.44': { ...SLAVE, ...OLD_BINLOG },
  '8.0.21': { ...SLAVE, ...OLD_BINLOG },
  '8.0.22': { ...REPLICA, ...OLD_BINLOG },
  '8.0.23': { ...REPLICA, ...OLD_BINLOG },
  '8.4.0': { ...REPLICA, binlogStatus: 'SHOW BINARY LOG STATUS', resetBinlogs: 'RESET BINARY LOGS AND GTIDS' },
  '9.1.0': { ...REPLICA, binlogStatus: 'SHOW BINARY LOG STATUS', resetBinlogs: 'RESET BINARY LOGS AND GTIDS' },
  '10.4.34-MariaDB': { ...SLAVE, ...OLD_BINLOG },
  '10.5.1-MariaDB': { ...REPLICA, ...OLD_BINLOG },
  '10.5.2-MariaDB': { ...REPLICA, binlogStatus: 'SHOW BINLOG STATUS', resetBinlogs: 'RESET MASTER' },
  '10.11.19-MariaDB-0+deb12u1': { ...REPLICA, binlogStatus: 'SHOW BINLOG STATUS', resetBinlogs: 'RESET MASTER' },
  '11.4.2-MariaDB': { ...REPLICA, binlogStatus: 'SHOW BINLOG STATUS', resetBinlogs: 'RESET MASTER' },
};

describe('simple statements per version', () => {
  for (const [raw, g] of Object.entries(SIMPLE)) {
    it(raw, () => {
      const x = d(raw);
      expect(x.stopReplica()).toEqual({ sql: g.stop, shown: g.stop });
      expect(x.startReplica()).toEqual({ sql: g.start, shown: g.start });
      expect(x.showReplicaStatus()).toEqual({ sql: g.show, shown: g.show });
      expect(x.resetReplicaAll()).toEqual({ sql: g.reset, shown: g.reset });
      expect(x.showBinlogStatus()).toEqual({ sql: g.binlogStatus, shown: g.binlogStatus });
      expect(x.resetBinlogs()).toEqual({ sql: g.resetBinlogs, shown: g.resetBinlogs });
    });
  }
});

const BASE: ChangeSourceOptions = {
  host: '10.0.0.1',
  port: 3306,
  user: 'repl',
  password: String.raw`it's "q\uote\\d" ñ`,
  connectRetrySeconds: 10,
};
const FILE_POS: ChangeSourceOptions = { ...BASE, file: 'mysql-bin.000003', position: 1234 };
const TLS: ChangeSourceOptions = { ...FILE_POS, tls: { ca: '/etc/mm/ca.pem', cert: '/etc/mm/client.pem', key: '/etc/mm/client-key.pem', verify: true } };
const GTID: ChangeSourceOptions = { ...BASE, gtid: true };
const SENT_PW = String.raw`'it\'s \"q\\uote\\\\d\" ñ'`;

// The three CHANGE MASTER forms per version, written with PW where the password goes.
const CHANGE: Record<string, { filePos: string; tls: string; gtid: string }> = {
  '5.7.44': {
    filePos:
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0, MASTER_CONNECT_RETRY=10",
    tls: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0, MASTER_CONNECT_RETRY=10, MASTER_SSL=1, MASTER_SSL_CA='/etc/mm/ca.pem', MASTER_SSL_CERT='/etc/mm/client.pem', MASTER_SSL_KEY='/etc/mm/client-key.pem', MASTER_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=10",
  },
  '8.0.21': {
    filePos:
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0, MASTER_CONNECT_RETRY=10, GET_MASTER_PUBLIC_KEY=1",
    tls: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0, MASTER_CONNECT_RETRY=10, MASTER_SSL=1, MASTER_SSL_CA='/etc/mm/ca.pem', MASTER_SSL_CERT='/etc/mm/client.pem', MASTER_SSL_KEY='/etc/mm/client-key.pem', MASTER_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=10, GET_MASTER_PUBLIC_KEY=1",
  },
  '8.0.22': {
    filePos:
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0, MASTER_CONNECT_RETRY=10, GET_MASTER_PUBLIC_KEY=1",
    tls: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0, MASTER_CONNECT_RETRY=10, MASTER_SSL=1, MASTER_SSL_CA='/etc/mm/ca.pem', MASTER_SSL_CERT='/etc/mm/client.pem', MASTER_SSL_KEY='/etc/mm/client-key.pem', MASTER_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=10, GET_MASTER_PUBLIC_KEY=1",
  },
  '8.0.23': {
    filePos:
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
    tls: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, SOURCE_CONNECT_RETRY=10, SOURCE_SSL=1, SOURCE_SSL_CA='/etc/mm/ca.pem', SOURCE_SSL_CERT='/etc/mm/client.pem', SOURCE_SSL_KEY='/etc/mm/client-key.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
  },
  '8.4.0': {
    filePos:
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, GTID_ONLY=0, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
    tls: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, GTID_ONLY=0, SOURCE_CONNECT_RETRY=10, SOURCE_SSL=1, SOURCE_SSL_CA='/etc/mm/ca.pem', SOURCE_SSL_CERT='/etc/mm/client.pem', SOURCE_SSL_KEY='/etc/mm/client-key.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
  },
  '9.1.0': {
    filePos:
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, GTID_ONLY=0, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
    tls: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, GTID_ONLY=0, SOURCE_CONNECT_RETRY=10, SOURCE_SSL=1, SOURCE_SSL_CA='/etc/mm/ca.pem', SOURCE_SSL_CERT='/etc/mm/client.pem', SOURCE_SSL_KEY='/etc/mm/client-key.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
  },
};
// MariaDB: CHANGE MASTER at every version, MASTER_USE_GTID always explicit (10.10+ would otherwise pick it itself).
const MARIADB_CHANGE = {
  filePos:
    "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_USE_GTID=no, MASTER_CONNECT_RETRY=10",
  tls: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_USE_GTID=no, MASTER_CONNECT_RETRY=10, MASTER_SSL=1, MASTER_SSL_CA='/etc/mm/ca.pem', MASTER_SSL_CERT='/etc/mm/client.pem', MASTER_SSL_KEY='/etc/mm/client-key.pem', MASTER_SSL_VERIFY_SERVER_CERT=1",
  gtid: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=10",
};
for (const raw of ['10.4.34-MariaDB', '10.5.1-MariaDB', '10.5.2-MariaDB', '10.11.19-MariaDB-0+deb12u1', '11.4.2-MariaDB']) CHANGE[raw] = MARIADB_CHANGE;

describe('changeSource per version', () => {
  for (const [raw, g] of Object.entries(CHANGE)) {
    describe(raw, () => {
      const cases: Array<[string, ChangeSourceOptions, string]> = [
        ['file/position without TLS', FILE_POS, g.filePos],
        ['file/position with TLS', TLS, g.tls],
        ['GTID', GTID, g.gtid],
      ];
      for (const [name, opts, golden] of cases) {
        it(name, () => {
          const s = d(raw).changeSource(opts);
          expect(s.sql).toBe(golden.replace('PW', SENT_PW));
          expect(s.shown).toBe(golden.replace('PW', "'********'"));
        });
      }
    });
  }

  it('writes only the TLS options given, and no verification unless asked', () => {
    expect(d('8.0.36').changeSource({ ...FILE_POS, connectRetrySeconds: undefined, tls: { ca: '/ca.pem' } }).shown).toBe(
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='********', SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, GTID_ONLY=0, SOURCE_SSL=1, SOURCE_SSL_CA='/ca.pem'",
    );
    expect(d('10.11.19-MariaDB').changeSource({ ...FILE_POS, connectRetrySeconds: undefined, tls: {} }).shown).toBe(
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='********', MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_USE_GTID=no, MASTER_SSL=1",
    );
  });

  it('escapes host, user and file names as literals', () => {
    const s = d('10.11.19-MariaDB').changeSource({ ...FILE_POS, host: "h'x", user: 'r#;', file: "b'in.000001", connectRetrySeconds: undefined });
    expect(s.sql).toBe(
      String.raw`CHANGE MASTER TO MASTER_HOST='h\'x', MASTER_PORT=3306, MASTER_USER='r#;', MASTER_PASSWORD='it\'s \"q\\uote\\\\d\" ñ', MASTER_LOG_FILE='b\'in.000001', MASTER_LOG_POS=1234, MASTER_USE_GTID=no`,
    );
  });

  it('refuses GTID together with file/position, and file/position missing without GTID', () => {
    expect(() => d('8.0.36').changeSource({ ...FILE_POS, gtid: true })).toThrow('changeSource: GTID and file/position positioning are exclusive');
    expect(() => d('10.11.19-MariaDB').changeSource({ ...BASE, file: 'mysql-bin.000003' })).toThrow(
      'changeSource: file and position are required without GTID',
    );
    expect(() => d('10.11.19-MariaDB').changeSource(BASE)).toThrow('changeSource: file and position are required without GTID');
  });

  it('never shows the password', () => {
    for (const raw of Object.keys(CHANGE)) for (const o of [FILE_POS, TLS, GTID]) expect(d(raw).changeSource(o).shown).not.toContain('uote');
  });
});

const LEGACY: ReplicaColumns = {
  ioRunning: 'Slave_IO_Running',
  sqlRunning: 'Slave_SQL_Running',
  sourceHost: 'Master_Host',
  sourcePort: 'Master_Port',
  sourceServerId: 'Master_Server_Id',
  readFile: 'Master_Log_File',
  readPos: 'Read_Master_Log_Pos',
  execFile: 'Relay_Master_Log_File',
  execPos: 'Exec_Master_Log_Pos',
  lag: 'Seconds_Behind_Master',
  lastIoErrno: 'Last_IO_Errno',
  lastIoError: 'Last_IO_Error',
  lastIoErrorTime: 'Last_IO_Error_Timestamp',
  lastSqlErrno: 'Last_SQL_Errno',
  lastSqlError: 'Last_SQL_Error',
  lastSqlErrorTime: 'Last_SQL_Error_Timestamp',
  sslAllowed: 'Master_SSL_Allowed',
  gtidMode: 'Auto_Position',
  channel: 'Channel_Name',
};
const MYSQL_REPLICA: ReplicaColumns = {
  ioRunning: 'Replica_IO_Running',
  sqlRunning: 'Replica_SQL_Running',
  sourceHost: 'Source_Host',
  sourcePort: 'Source_Port',
  sourceServerId: 'Source_Server_Id',
  readFile: 'Source_Log_File',
  readPos: 'Read_Source_Log_Pos',
  execFile: 'Relay_Source_Log_File',
  execPos: 'Exec_Source_Log_Pos',
  lag: 'Seconds_Behind_Source',
  lastIoErrno: 'Last_IO_Errno',
  lastIoError: 'Last_IO_Error',
  lastIoErrorTime: 'Last_IO_Error_Timestamp',
  lastSqlErrno: 'Last_SQL_Errno',
  lastSqlError: 'Last_SQL_Error',
  lastSqlErrorTime: 'Last_SQL_Error_Timestamp',
  sslAllowed: 'Source_SSL_Allowed',
  gtidMode: 'Auto_Position',
  channel: 'Channel_Name',
};
// MariaDB keeps the Slave_*/Master_* names even for SHOW REPLICA STATUS, has Using_Gtid, and no *_Error_Timestamp.
const MARIADB: ReplicaColumns = { ...LEGACY, gtidMode: 'Using_Gtid', lastIoErrorTime: null, lastSqlErrorTime: null, channel: 'Connection_name' };

describe('replicaColumns and fenceVariables per version', () => {
  const MYSQL_FENCE = ['offline_mode', 'read_only', 'super_read_only'];
  const table: Array<[string, ReplicaColumns, string[]]> = [
    ['5.7.44', LEGACY, MYSQL_FENCE],
    ['8.0.21', LEGACY, MYSQL_FENCE],
    ['8.0.22', MYSQL_REPLICA, MYSQL_FENCE],
    ['8.0.23', MYSQL_REPLICA, MYSQL_FENCE],
    ['8.4.0', MYSQL_REPLICA, MYSQL_FENCE],
    ['9.1.0', MYSQL_REPLICA, MYSQL_FENCE],
    ['10.4.34-MariaDB', MARIADB, ['read_only']],
    ['10.5.1-MariaDB', MARIADB, ['read_only']],
    ['10.5.2-MariaDB', MARIADB, ['read_only']],
    ['10.11.19-MariaDB-0+deb12u1', MARIADB, ['read_only']],
    ['11.4.2-MariaDB', MARIADB, ['read_only']],
  ];
  for (const [raw, columns, fence] of table) {
    it(raw, () => {
      expect(d(raw).replicaColumns).toEqual(columns);
      expect(d(raw).fenceVariables).toEqual(fence);
    });
  }

  it('fences older MySQL with what it has', () => {
    expect(d('5.7.4').fenceVariables).toEqual(['read_only']);
    expect(d('5.7.5').fenceVariables).toEqual(['offline_mode', 'read_only']);
    expect(d('5.7.8').fenceVariables).toEqual(['offline_mode', 'read_only', 'super_read_only']);
  });
});

describe('the fence bounded by lock_wait_timeout (issue 25 item 3; golden: MySQL cannot run here)', () => {
  it('MariaDB bounds read_only in the statement itself (SET STATEMENT, checked live on 10.11: ER 1205 after N s)', () => {
    const m = d('10.11.19-MariaDB-0+deb12u1');
    expect(m.fenceOn('read_only', 5).sql).toBe('SET STATEMENT lock_wait_timeout=5 FOR SET GLOBAL read_only = ON');
    expect(m.sessionLockWait(5)).toBeUndefined();
    expect(d('10.4.34-MariaDB').fenceOn('read_only', 7).sql).toBe('SET STATEMENT lock_wait_timeout=7 FOR SET GLOBAL read_only = ON');
  });
  for (const raw of ['5.7.44', '8.0.36', '8.4.3', '9.1.0'])
    it(`MySQL ${raw}: offline_mode first and unbounded (it waits for no lock), read_only and super_read_only under the session's bound`, () => {
      const m = d(raw);
      expect(m.fenceVariables.map((v) => m.fenceOn(v, 5).sql)).toEqual([
        'SET GLOBAL offline_mode = ON',
        'SET GLOBAL read_only = ON',
        'SET GLOBAL super_read_only = ON',
      ]);
      expect(m.fenceVariables.filter((v) => m.fenceWaitsForLocks(v))).toEqual(['read_only', 'super_read_only']);
      const bound = m.sessionLockWait(5)!;
      expect([bound.set.sql, bound.reset.sql]).toEqual(['SET SESSION lock_wait_timeout = 5', 'SET SESSION lock_wait_timeout = DEFAULT']);
    });
  it('refuses a bound that is not a whole number of seconds', () => {
    expect(() => d('10.11.19-MariaDB').fenceOn('read_only', 0)).toThrow();
    expect(() => d('8.0.36').sessionLockWait(1.5)).toThrow();
  });
});

describe('GTID helpers', () => {
  it('setGtidSlavePos quotes the position', () => {
    expect(d('10.11.19-MariaDB').setGtidSlavePos('0-1-5,1-2-9')).toEqual({
      sql: "SET GLOBAL gtid_slave_pos = '0-1-5,1-2-9'",
      shown: "SET GLOBAL gtid_slave_pos = '0-1-5,1-2-9'",
    });
  });

  it('usesGtid reads Auto_Position and Using_Gtid', () => {
    expect([1, '1', 'Slave_Pos', 'Current_Pos'].map(usesGtid)).toEqual([true, true, true, true]);
    expect([0, '0', 'No', null, undefined, ''].map(usesGtid)).toEqual([false, false, false, false, false, false]);
  });
});

describe('SQL-thread control for a consistent comparison under live writes', () => {
  const golden: Record<string, { stop: string; start: string; until: string; snapshot: boolean }> = {
    '5.7.44': {
      stop: 'STOP SLAVE SQL_THREAD',
      start: 'START SLAVE SQL_THREAD',
      until: "START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=4711",
      snapshot: false,
    },
    '8.0.22': {
      stop: 'STOP REPLICA SQL_THREAD',
      start: 'START REPLICA SQL_THREAD',
      until: "START REPLICA SQL_THREAD UNTIL MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=4711",
      snapshot: false,
    },
    '8.0.23': {
      stop: 'STOP REPLICA SQL_THREAD',
      start: 'START REPLICA SQL_THREAD',
      until: "START REPLICA SQL_THREAD UNTIL SOURCE_LOG_FILE='mysql-bin.000007', SOURCE_LOG_POS=4711",
      snapshot: false,
    },
    '8.4.3': {
      stop: 'STOP REPLICA SQL_THREAD',
      start: 'START REPLICA SQL_THREAD',
      until: "START REPLICA SQL_THREAD UNTIL SOURCE_LOG_FILE='mysql-bin.000007', SOURCE_LOG_POS=4711",
      snapshot: false,
    },
    '9.1.0': {
      stop: 'STOP REPLICA SQL_THREAD',
      start: 'START REPLICA SQL_THREAD',
      until: "START REPLICA SQL_THREAD UNTIL SOURCE_LOG_FILE='mysql-bin.000007', SOURCE_LOG_POS=4711",
      snapshot: false,
    },
    '10.4.34-MariaDB': {
      stop: 'STOP SLAVE SQL_THREAD',
      start: 'START SLAVE SQL_THREAD',
      until: "START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=4711",
      snapshot: true,
    },
    '10.11.19-MariaDB': {
      stop: 'STOP REPLICA SQL_THREAD',
      start: 'START REPLICA SQL_THREAD',
      until: "START REPLICA SQL_THREAD UNTIL MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=4711",
      snapshot: true,
    },
    '11.4.2-MariaDB': {
      stop: 'STOP REPLICA SQL_THREAD',
      start: 'START REPLICA SQL_THREAD',
      until: "START REPLICA SQL_THREAD UNTIL MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=4711",
      snapshot: true,
    },
  };
  for (const [raw, g] of Object.entries(golden)) {
    it(raw, () => {
      const x = d(raw);
      expect(x.stopReplicaSqlThread().sql).toBe(g.stop);
      expect(x.startReplicaSqlThread().sql).toBe(g.start);
      expect(x.startReplicaSqlThreadUntil('mysql-bin.000007', 4711).sql).toBe(g.until);
      expect(x.snapshotReportsBinlogPosition).toBe(g.snapshot);
    });
  }
  it('refuses a position that is not a whole number', () => {
    expect(() => d('10.11.19-MariaDB').startReplicaSqlThreadUntil('f', Number.NaN)).toThrow(/bad position/);
  });
});

describe('issue 14 goldens', () => {
  it('the 8.1.0/8.2.0 boundary: SHOW MASTER STATUS and RESET MASTER until 8.1, SHOW BINARY LOG STATUS and RESET BINARY LOGS AND GTIDS from 8.2.0', () => {
    expect(d('8.1.0').showBinlogStatus().sql).toBe('SHOW MASTER STATUS');
    expect(d('8.1.0').resetBinlogs().sql).toBe('RESET MASTER');
    expect(d('8.2.0').showBinlogStatus().sql).toBe('SHOW BINARY LOG STATUS');
    expect(d('8.2.0').resetBinlogs().sql).toBe('RESET BINARY LOGS AND GTIDS');
  });

  it('5.7 has no PUBLIC_KEY option in any form; 8.0.4 is the first with GET_MASTER_PUBLIC_KEY', () => {
    for (const o of [FILE_POS, TLS, GTID]) expect(d('5.7.44').changeSource(o).sql).not.toMatch(/PUBLIC_KEY/);
    expect(d('8.0.3').changeSource(FILE_POS).sql).not.toMatch(/PUBLIC_KEY/);
    expect(d('8.0.4').changeSource(FILE_POS).sql).toMatch(/, GET_MASTER_PUBLIC_KEY=1$/);
  });

  it('MariaDB 10.5.1: START REPLICA SQL_THREAD UNTIL with MASTER_* names (10.4: START SLAVE)', () => {
    expect(d('10.5.1-MariaDB').startReplicaSqlThreadUntil('mysql-bin.000007', 4711).sql).toBe(
      "START REPLICA SQL_THREAD UNTIL MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=4711",
    );
    expect(d('10.4.30-MariaDB').startReplicaSqlThreadUntil('mysql-bin.000007', 4711).sql).toBe(
      "START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=4711",
    );
  });

  it('MySQL file/position always turns auto-positioning off (*_AUTO_POSITION=0), and GTID_ONLY off from 8.0.27', () => {
    const at = (raw: string) => d(raw).changeSource({ ...FILE_POS, connectRetrySeconds: undefined }).shown;
    expect(at('5.7.44')).toBe(
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='********', MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0",
    );
    expect(at('8.0.22')).toBe(
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='********', MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_AUTO_POSITION=0, GET_MASTER_PUBLIC_KEY=1",
    );
    expect(at('8.0.26')).toBe(
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='********', SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, GET_SOURCE_PUBLIC_KEY=1",
    );
    expect(at('8.0.27')).toBe(
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='********', SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_AUTO_POSITION=0, GTID_ONLY=0, GET_SOURCE_PUBLIC_KEY=1",
    );
    // MariaDB says MASTER_USE_GTID=no instead, and GTID positioning never carries a file/position.
    expect(at('10.11.19-MariaDB')).not.toMatch(/AUTO_POSITION|GTID_ONLY/);
    expect(d('8.4.3').changeSource(GTID).sql).not.toMatch(/AUTO_POSITION=0|GTID_ONLY/);
  });

  it('quotes for the server’s sql_mode: under NO_BACKSLASH_ESCAPES only the quote is doubled; still masked', () => {
    const nbe = dialectFor(parseVersion('10.11.19-MariaDB'), quotingFor('STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES'));
    const s = nbe.changeSource({ ...FILE_POS, connectRetrySeconds: undefined });
    expect(s.sql).toBe(
      String.raw`CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='it''s "q\uote\\d" ñ', MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_USE_GTID=no`,
    );
    expect(s.shown).toContain("MASTER_PASSWORD='********'");
    expect(nbe.literal(String.raw`a\'b`)).toBe(String.raw`'a\''b'`);
    expect(nbe.setGtidSlavePos('0-1-5').sql).toBe("SET GLOBAL gtid_slave_pos = '0-1-5'");
    expect(quotingFor('ANSI_QUOTES,STRICT_ALL_TABLES').noBackslashEscapes).toBe(false);
    expect(d('10.11.19-MariaDB').literal(String.raw`a\'b`)).toBe(String.raw`'a\\\'b'`);
  });

  it('the channel verifies its source as --ssl-mode says; MariaDB 11.4+ is told =0 when the mode does not verify', () => {
    const tls = (raw: string, mode?: SslMode) =>
      d(raw).changeSource({ ...FILE_POS, connectRetrySeconds: undefined, tls: { ca: '/ca.pem', verify: channelVerify(d(raw).version, mode) } }).shown;
    expect(tls('8.0.36', 'VERIFY_IDENTITY')).toMatch(/SOURCE_SSL_CA='\/ca.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1$/);
    // MySQL checks the CA whenever SOURCE_SSL_CA is set; the host name only with VERIFY_SERVER_CERT.
    expect(tls('8.0.36', 'VERIFY_CA')).toMatch(/SOURCE_SSL_CA='\/ca.pem'$/);
    expect(tls('10.11.19-MariaDB', 'VERIFY_CA')).toMatch(/MASTER_SSL_VERIFY_SERVER_CERT=1$/);
    expect(tls('10.11.19-MariaDB', 'REQUIRED')).toMatch(/MASTER_SSL_CA='\/ca.pem'$/);
    expect(tls('11.4.2-MariaDB', 'REQUIRED')).toMatch(/MASTER_SSL_VERIFY_SERVER_CERT=0$/);
    expect(tls('11.4.2-MariaDB', undefined)).toMatch(/MASTER_SSL_CA='\/ca.pem'$/);
  });
});
