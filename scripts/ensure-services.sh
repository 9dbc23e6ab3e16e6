#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379) answer,
# installing them from Debian packages and starting them when they do not.
set -euo pipefail

port_open() { (echo > "/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! port_open 5432; then
  echo "PostgreSQL is not answering: starting it"
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q "pa-planner trust" "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust # pa-planner trust\nhost all all ::1/128 trust # pa-planner trust\nlocal all all trust # pa-planner trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
fi
port_open 5432 || { echo "PostgreSQL could not be started" >&2; exit 1; }
# The database CI names in DATABASE_URL (tests create their own; this one keeps
# makemigrations --check from warning that it is missing).
if command -v psql >/dev/null \
  && ! psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'pa_planner'" | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres pa_planner || true
fi

if ! port_open 6379; then
  echo "Redis is not answering: starting it"
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do port_open 6379 && break; sleep 1; done
fi
port_open 6379 || { echo "Redis could not be started" >&2; exit 1; }
echo "PostgreSQL and Redis are up."

# The media library checks videos and extracts poster frames with Debian's ffmpeg
# (ffprobe/ffmpeg); its tests run them for real.
if ! command -v ffprobe >/dev/null || ! command -v ffmpeg >/dev/null; then
  echo "ffmpeg is missing: installing it"
  apt_install ffmpeg
fi
command -v ffprobe >/dev/null || { echo "ffmpeg could not be installed" >&2; exit 1; }

# The yearly report's PDF is drawn by WeasyPrint, which needs Debian's Pango (and a font).
if ! ldconfig -p | grep -q "libpangoft2-1.0.so.0" || ! fc-list 2>/dev/null | grep -qi "dejavu"; then
  echo "Pango or its fonts are missing (WeasyPrint): installing them"
  apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig
fi
if [ -x .venv/bin/python ]; then
  .venv/bin/python -c "import weasyprint" || { echo "WeasyPrint cannot load Pango" >&2; exit 1; }
fi
