#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth, user postgres) and Redis (127.0.0.1:6379) are running for the
# tests, and that npm and Chromium are there for the JavaScript client and doc-sync's web app. Starts the services
# when they are installed but stopped; installs what is missing with apt-get (Debian/Ubuntu, as root). Idempotent.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

install_packages() {
  if ! command -v apt-get >/dev/null; then
    echo "services.sh: apt-get not found; install PostgreSQL and Redis yourself" >&2
    exit 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "services.sh: installing PostgreSQL"
    install_packages postgresql postgresql-client
    # Trust local TCP connections, as the tests expect (a development machine only).
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(host\s+all\s+all\s+::1\/128\s+)\S+/\1trust/; s/^(local\s+all\s+postgres\s+)\S+/\1trust/' "$hba"
    done
  fi
  echo "services.sh: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "services.sh: PostgreSQL did not start" >&2; exit 1; }
fi

if ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    echo "services.sh: installing Redis"
    install_packages redis-server
  fi
  echo "services.sh: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "services.sh: Redis did not start" >&2; exit 1; }
fi
# The JavaScript client (clients/js) is built and tested with Node.js and npm.
if ! command -v npm >/dev/null; then
  echo "services.sh: installing Node.js and npm"
  install_packages nodejs npm
fi
# doc-sync's web app is tested end to end in headless Chromium (Debian's package; Playwright drives it, no browser
# download).
if [ ! -x /usr/bin/chromium ]; then
  echo "services.sh: installing Chromium"
  install_packages chromium
fi
echo "services.sh: PostgreSQL and Redis are up; $(node --version 2>/dev/null || echo 'no node') for clients/js"
