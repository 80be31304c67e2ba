#!/bin/bash
# pgcluster.sh: a private, throwaway PostgreSQL cluster in one directory, reached
# only through a Unix socket inside it. Used by ./run demo (var/pg) and by the
# integration tests (tests/integration/harness.py). initdb and postgres refuse
# to run as root, so as root the cluster belongs to the `postgres` user.
#
#   pgcluster.sh start DIR [PORT]   init (once) and start; prints PGHOST=, PGPORT=, PGUSER=
#   pgcluster.sh stop DIR           stop (fast shutdown); fine when not running
#   pgcluster.sh status DIR         exit 0 when running
#   pgcluster.sh psql DIR [ARGS]    psql on the cluster, as its owner
#
# Layout: DIR/data (cluster), DIR/run (socket), DIR/postgresql.log. The binaries
# come from $SOHOA_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin.
# $SOHOA_PG_OPTS adds server options (tests pass "-c fsync=off").
set -euo pipefail

die() {
        echo "pgcluster: $*" >&2
        exit 1
}

pg_bindir() {
        local d
        if [[ -n "${SOHOA_PG_BINDIR:-}" ]]; then
                echo "$SOHOA_PG_BINDIR"
                return
        fi
        d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
        [[ -n "$d" ]] || die "no PostgreSQL server under /usr/lib/postgresql (./run setup installs it)"
        echo "$d"
}

# The user that owns and runs the cluster: the caller, or `postgres` for root.
owner() {
        if [[ $(id -u) -eq 0 ]]; then
                id -u postgres >/dev/null 2>&1 || die "user postgres missing (apt-get install postgresql)"
                echo postgres
        else
                id -un
        fi
}

# Run a command as the cluster owner, from inside DIR so that no tool trips on
# a working directory it may not read (root's home, say).
as_owner() {
        local dir=$1
        shift
        if [[ $(id -u) -eq 0 ]]; then
                (cd "$dir" && runuser -u postgres -- "$@")
        else
                (cd "$dir" && "$@")
        fi
}

cmd_start() {
        local dir=${1:?usage: pgcluster.sh start DIR [PORT]} port=${2:-5433} bin user
        bin=$(pg_bindir)
        user=$(owner)
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd -P)
        [[ ${#dir} -lt 80 ]] || die "$dir: too long for a Unix socket path; use a shorter directory"
        if [[ $(id -u) -eq 0 ]]; then
                chown "$user:" "$dir"
                chmod 0700 "$dir"
                runuser -u "$user" -- test -w "$dir" ||
                        die "$user cannot reach $dir (a parent directory is closed to it); use one under /tmp"
        fi
        if [[ ! -f "$dir/data/PG_VERSION" ]]; then
                as_owner "$dir" "$bin/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 \
                        -U "$user" --auth=trust >"$dir/initdb.log" 2>&1 ||
                        die "initdb failed: $(tail -n 20 "$dir/initdb.log")"
        fi
        as_owner "$dir" mkdir -p "$dir/run"
        if ! as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
                as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" -w -t 60 \
                        -o "-c listen_addresses='' -k '$dir/run' -p $port ${SOHOA_PG_OPTS:-}" start >/dev/null ||
                        die "pg_ctl start failed: $(tail -n 20 "$dir/postgresql.log" 2>/dev/null)"
        fi
        # pg_ctl -w returns once the postmaster accepts connections; check the
        # socket answers on the port asked for (a stale cluster may use another).
        "$bin/pg_isready" -q -h "$dir/run" -p "$port" -U "$user" -d postgres -t 30 ||
                die "cluster in $dir does not answer on $dir/run port $port"
        echo "PGHOST=$dir/run"
        echo "PGPORT=$port"
        echo "PGUSER=$user"
}

cmd_stop() {
        local dir=${1:?usage: pgcluster.sh stop DIR} bin
        bin=$(pg_bindir)
        [[ -f "$dir/data/PG_VERSION" ]] || return 0
        dir=$(cd "$dir" && pwd -P)
        if as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
                as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
        fi
}

cmd_status() {
        local dir=${1:?usage: pgcluster.sh status DIR} bin
        bin=$(pg_bindir)
        [[ -f "$dir/data/PG_VERSION" ]] || return 3
        dir=$(cd "$dir" && pwd -P)
        as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

# The port is read back from postmaster.pid (line 4) so psql finds the
# cluster whatever port it was started on.
cmd_psql() {
        local dir=${1:?usage: pgcluster.sh psql DIR [ARGS]} bin port
        shift
        bin=$(pg_bindir)
        dir=$(cd "$dir" && pwd -P)
        port=$(sed -n 4p "$dir/data/postmaster.pid" 2>/dev/null) || true
        [[ -n "$port" ]] || die "cluster in $dir is not running"
        as_owner "$dir" "$bin/psql" -X -h "$dir/run" -p "$port" -U "$(owner)" "$@"
}

case "${1:-}" in
start | stop | status | psql)
        c=$1
        shift
        "cmd_$c" "$@"
        ;;
*)
        sed -n '7,10p' "$0" | sed 's/^# *//' >&2
        exit 2
        ;;
esac
