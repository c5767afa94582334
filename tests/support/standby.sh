#!/usr/bin/env bash
# A streaming hot standby of the tests' PostgreSQL cluster, for the read-routing test
# (tests/integration/test_standby.c, docs/scaling.md).
#   standby.sh start <dir> <port> <primary socket folder>   base backup + standby.signal, started
#   standby.sh stop <dir>                                   stopped and removed
# <dir>/pg is the standby's cluster, <dir>/run its socket folder. As root, the server programs
# run as the unprivileged postgres user (PostgreSQL refuses root), like the embedded cluster.
set -euo pipefail
cmd=$1 dir=$2
bindir=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$bindir/pg_ctl" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $cmd in
start)
  port=$3 primary=$4
  mkdir -p "$dir/run"
  chmod 0700 "$dir/run"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
  # -R writes primary_conninfo and standby.signal; -X stream carries the WAL of the copy.
  as_pg "$bindir/pg_basebackup" -D "$dir/pg" -R -X stream -c fast -h "$primary" -U postgres \
    >"$dir/basebackup.log" 2>&1
  as_pg "$bindir/pg_ctl" start -w -t 60 -D "$dir/pg" -l "$dir/pg.log" \
    -o "-k $dir/run -p $port -c hot_standby=on" >/dev/null
  ;;
stop)
  if [ -f "$dir/pg/postmaster.pid" ]; then
    as_pg "$bindir/pg_ctl" stop -w -t 60 -m immediate -D "$dir/pg" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
esac
