#!/usr/bin/env bash
# Set up a fresh machine for mmrecover: MariaDB server and client (for the lab), npm packages, the build.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing MariaDB (server and client) for the lab…" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
  else
    echo "setup: MariaDB is not installed. Run: sudo apt-get install -y --no-install-recommends mariadb-server mariadb-client" >&2
    exit 1
  fi
fi
# --method physical: mariadb-backup (with mbstream) of the server's own release; its ssh test starts a private sshd on
# a loopback port. openssh-server must not leave a system sshd on port 22: policy-rc.d keeps the package from starting
# it (the Debian convention for "do not start services"), and is removed again if we placed it.
if ! command -v mariadb-backup >/dev/null 2>&1 || ! command -v mbstream >/dev/null 2>&1 || [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing mariadb-backup and OpenSSH (for --method physical and its tests)…" >&2
    placed=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && placed=1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-backup openssh-server openssh-client >/dev/null
    if [ "$placed" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "setup: mariadb-backup or OpenSSH missing. Run: sudo apt-get install -y --no-install-recommends mariadb-backup openssh-server openssh-client" >&2
    exit 1
  fi
fi
# The traffic fence (--fence haproxy:…) and its tests: Debian's HAProxy, started by `lab up --haproxy` only (the
# package's own service is kept from starting, as above).
if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing HAProxy (for the traffic fence and its tests)…" >&2
    placed=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && placed=1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
    if [ "$placed" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "setup: HAProxy is not installed. Run: sudo apt-get install -y --no-install-recommends haproxy" >&2
    exit 1
  fi
fi
# `mmrecover verify`'s test compares its verdict with Percona's pt-table-checksum (Debian's percona-toolkit: Perl
# scripts, no service).
if ! command -v pt-table-checksum >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing percona-toolkit (pt-table-checksum, for verify's test)…" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends percona-toolkit >/dev/null
  else
    # Optional: verify's test then says it skipped the comparison with pt-table-checksum, and why.
    echo "setup: percona-toolkit is not installed (verify's test skips its pt-table-checksum comparison). Run: sudo apt-get install -y --no-install-recommends percona-toolkit" >&2
  fi
fi
# The bench's reference for the logical copy (issue 29: mydumper/myloader, 2 threads): optional, the bench says
# "not installed" without it, so a failed install does not stop the setup. No service in the package.
if ! command -v mydumper >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing mydumper (the bench's reference for the logical copy)…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mydumper >/dev/null || echo "setup: mydumper not installed; the bench skips its reference" >&2
fi
# The Debian package may start a system server; the lab never uses it, and tests must not depend on it.
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
npm run --silent build
