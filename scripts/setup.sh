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
# The Debian package may start a system server; the lab never uses it, and tests must not depend on it.
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
npm run --silent build
