#!/bin/bash
# pg-cluster.sh: a throwaway PostgreSQL 15 server for tests, living entirely in one directory.
#
#   scripts/pg-cluster.sh start DIR          initdb in DIR, start on 127.0.0.1 at a free port,
#                                            print the base URL postgresql://postgres@127.0.0.1:PORT/
#   scripts/pg-cluster.sh createdb DIR NAME  create database NAME, print its URL
#   scripts/pg-cluster.sh stop DIR           stop the server (fast) and remove DIR
#
# Trust authentication on loopback and the unix socket (in DIR), fsync off: for tests only.
# initdb refuses to run as root, so as root the server runs as the `postgres` user (from
# Debian's postgresql package) and DIR is given to it; DIR's parent must be searchable by it
# (e.g. under /tmp, not /root). Only stdout carries the URL; progress and errors go to stderr.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

die() {
	echo "pg-cluster: $*" >&2
	exit 1
}

usage() {
	die "usage: $0 start DIR | createdb DIR NAME | stop DIR"
}

# Run a server-side command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Is something listening on 127.0.0.1:$1?
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
	local dir=$1
	[ -x "$PGBIN/initdb" ] || die "no $PGBIN/initdb (install the postgresql package)"
	[ ! -e "$dir/data" ] || die "$dir/data exists already"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "no postgres user to run the server as"
		chown postgres: "$dir"
		chmod 700 "$dir"
		runuser -u postgres -- test -w "$dir" ||
			die "user postgres cannot reach $dir (is a parent directory private?)"
	fi

	as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
		--no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
		die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
	cat >>"$dir/data/postgresql.conf" <<-EOF
		# pg-cluster.sh: throwaway test server
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$dir'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		max_connections = 50
	EOF

	# Pick a random free port; if another process takes it before the server binds, try again.
	local port tries=0
	while :; do
		tries=$((tries + 1))
		[ "$tries" -le 20 ] || die "no free port found"
		port=$((20000 + RANDOM % 30000))
		port_busy "$port" && continue
		# Each attempt reads only its own log lines (truncated in place: the owner stays).
		[ ! -f "$dir/server.log" ] || : >"$dir/server.log"
		if as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-p $port" start >/dev/null; then
			break
		fi
		grep -q "could not bind\|could not create listen socket\|already in use" \
			"$dir/server.log" 2>/dev/null ||
			die "server did not start: $(tail -n 5 "$dir/server.log")"
	done
	echo "$port" >"$dir/port"
	echo "postgresql://postgres@127.0.0.1:$port/"
}

port_of() {
	[ -f "$1/port" ] || die "$1 holds no cluster started by this script"
	cat "$1/port"
}

createdb() {
	local dir=$1 name=$2 port
	[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad database name: $name"
	port=$(port_of "$dir")
	"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$name" ||
		die "createdb $name failed"
	echo "postgresql://postgres@127.0.0.1:$port/$name"
}

stop() {
	local dir=$1
	# Remove only what this script made, never an arbitrary directory given by mistake.
	[ -f "$dir/port" ] || [ -f "$dir/data/PG_VERSION" ] ||
		die "$dir holds no cluster started by this script"
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ||
			echo "pg-cluster: pg_ctl stop failed; removing $dir anyway" >&2
	fi
	rm -rf "$dir"
}

[ $# -ge 2 ] || usage
case $1 in
start) [ $# -eq 2 ] || usage; start "$2" ;;
createdb) [ $# -eq 3 ] || usage; createdb "$2" "$3" ;;
stop) [ $# -eq 2 ] || usage; stop "$2" ;;
*) usage ;;
esac
