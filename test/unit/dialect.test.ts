// Golden statements per server version. Every expected string is written out in full so that a reviewer can check
// it against the vendors' manuals (see the version table in design.md) without running anything.
import { describe, expect, it } from 'vitest';
import { dialectFor, usesGtid, type ChangeSourceOptions, type ReplicaColumns } from '../../src/dialect/dialect.js';
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
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_CONNECT_RETRY=10",
    tls: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_CONNECT_RETRY=10, MASTER_SSL=1, MASTER_SSL_CA='/etc/mm/ca.pem', MASTER_SSL_CERT='/etc/mm/client.pem', MASTER_SSL_KEY='/etc/mm/client-key.pem', MASTER_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=10",
  },
  '8.0.21': {
    filePos:
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_CONNECT_RETRY=10, GET_MASTER_PUBLIC_KEY=1",
    tls: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_CONNECT_RETRY=10, MASTER_SSL=1, MASTER_SSL_CA='/etc/mm/ca.pem', MASTER_SSL_CERT='/etc/mm/client.pem', MASTER_SSL_KEY='/etc/mm/client-key.pem', MASTER_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=10, GET_MASTER_PUBLIC_KEY=1",
  },
  '8.0.22': {
    filePos:
      "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_CONNECT_RETRY=10, GET_MASTER_PUBLIC_KEY=1",
    tls: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234, MASTER_CONNECT_RETRY=10, MASTER_SSL=1, MASTER_SSL_CA='/etc/mm/ca.pem', MASTER_SSL_CERT='/etc/mm/client.pem', MASTER_SSL_KEY='/etc/mm/client-key.pem', MASTER_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE MASTER TO MASTER_HOST='10.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=PW, MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=10, GET_MASTER_PUBLIC_KEY=1",
  },
  '8.0.23': {
    filePos:
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
    tls: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_CONNECT_RETRY=10, SOURCE_SSL=1, SOURCE_SSL_CA='/etc/mm/ca.pem', SOURCE_SSL_CERT='/etc/mm/client.pem', SOURCE_SSL_KEY='/etc/mm/client-key.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
  },
  '8.4.0': {
    filePos:
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
    tls: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_CONNECT_RETRY=10, SOURCE_SSL=1, SOURCE_SSL_CA='/etc/mm/ca.pem', SOURCE_SSL_CERT='/etc/mm/client.pem', SOURCE_SSL_KEY='/etc/mm/client-key.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1",
    gtid: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
  },
  '9.1.0': {
    filePos:
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1",
    tls: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=PW, SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_CONNECT_RETRY=10, SOURCE_SSL=1, SOURCE_SSL_CA='/etc/mm/ca.pem', SOURCE_SSL_CERT='/etc/mm/client.pem', SOURCE_SSL_KEY='/etc/mm/client-key.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1",
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
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.1', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='********', SOURCE_LOG_FILE='mysql-bin.000003', SOURCE_LOG_POS=1234, SOURCE_SSL=1, SOURCE_SSL_CA='/ca.pem'",
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
};
// MariaDB keeps the Slave_*/Master_* names even for SHOW REPLICA STATUS, has Using_Gtid, and no *_Error_Timestamp.
const MARIADB: ReplicaColumns = { ...LEGACY, gtidMode: 'Using_Gtid', lastIoErrorTime: null, lastSqlErrorTime: null };

describe('replicaColumns and fenceVariables per version', () => {
  const MYSQL_FENCE = ['read_only', 'super_read_only', 'offline_mode'];
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
    expect(d('5.7.5').fenceVariables).toEqual(['read_only', 'offline_mode']);
    expect(d('5.7.8').fenceVariables).toEqual(['read_only', 'super_read_only', 'offline_mode']);
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
