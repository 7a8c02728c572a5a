// --fence haproxy:<socket>:<backend>/<server>, already checked against FENCE_SPEC by the option table: split.
import { FENCE_SPEC } from './options.js';

export const DEFAULT_FENCE_WATCH = 5;

export interface HaproxyFence {
  /** As given: a unix socket path, or host:port. */
  socket: string;
  backend: string;
  server: string;
}

export function parseFence(spec: string): HaproxyFence {
  const m = FENCE_SPEC.exec(spec);
  if (!m) throw new Error(`--fence ${spec}: must be haproxy:<socket>:<backend>/<server>`);
  return { socket: m[1], backend: m[2], server: m[3] };
}

export const fenceText = (f: HaproxyFence) => `haproxy:${f.socket}:${f.backend}/${f.server}`;
