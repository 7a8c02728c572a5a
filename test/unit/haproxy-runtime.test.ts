// HAProxy's runtime API answers, parsed (the answers are HAProxy 2.6's own, as the lab's haproxy printed them).
import { describe, expect, it } from 'vitest';
import { adminStateOf, parseServersState, parseSocket } from '../../src/adapters/haproxy/runtime-api.js';
import { parseFence } from '../../src/config/traffic-fence.js';

const STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 mysql_pair 1 a 127.0.0.1 2 0 1 1 0 1 0 2 0 0 0 0 - 39124 - 0 0 - - 0
3 mysql_pair 2 b 127.0.0.1 2 1 1 1 0 1 0 0 0 0 0 0 - 39125 - 0 0 - - 0
`;

describe('HAProxy runtime API', () => {
  it('parses show servers state: each server, its address and its admin state', () => {
    const s = parseServersState(STATE);
    expect(s.map((x) => [x.backend, x.server, x.port, x.admin])).toEqual([
      ['mysql_pair', 'a', 39124, 'ready'],
      ['mysql_pair', 'b', 39125, 'maint'],
    ]);
  });

  it('reads srv_admin_state bits as ready, drain or maint (maintenance wins)', () => {
    expect(adminStateOf(0)).toBe('ready');
    expect(adminStateOf(0x08)).toBe('drain');
    expect(adminStateOf(0x10)).toBe('drain');
    expect(adminStateOf(0x01)).toBe('maint');
    expect(adminStateOf(0x09)).toBe('maint');
    expect(adminStateOf(0x20)).toBe('maint');
  });

  it('refuses an answer that is not a servers state', () => {
    expect(() => parseServersState("Can't find backend.\n")).toThrow(/unexpected answer/);
  });

  it('takes a unix path or host:port as the socket, and splits --fence', () => {
    expect(parseSocket('/run/haproxy/admin.sock')).toEqual({ kind: 'unix', path: '/run/haproxy/admin.sock' });
    expect(parseSocket('lb1:9999')).toEqual({ kind: 'tcp', host: 'lb1', port: 9999 });
    expect(parseSocket('[::1]:9999')).toEqual({ kind: 'tcp', host: '::1', port: 9999 });
    expect(parseSocket('lb1')).toBeUndefined();
    expect(parseFence('haproxy:[::1]:9999:mysql/db2')).toEqual({ socket: '[::1]:9999', backend: 'mysql', server: 'db2' });
    expect(parseFence('haproxy:/run/h.sock:be/s1')).toEqual({ socket: '/run/h.sock', backend: 'be', server: 's1' });
    expect(() => parseFence('haproxy:/run/h.sock:be')).toThrow(/haproxy:<socket>/);
  });
});
