#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages when missing and starts a throwaway cluster
# on 127.0.0.1 (a free port, trust auth, TLS with a test CA, its data under
# $WAIAAS_PG_DIR), then exports WAIAAS_TEST_POSTGRES_URL and WAIAAS_TEST_POSTGRES_CA.
# Source it (`. .ci/postgres.sh`): .ci/run does, and so can a developer. `pg_stop` stops
# the cluster and removes its files.
# initdb refuses root: the cluster runs as the `postgres` OS user the package creates.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v openssl >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl >/dev/null
fi
pg_bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

WAIAAS_PG_DIR=${WAIAAS_PG_DIR:-$(mktemp -d /tmp/waiaas-pg.XXXXXX)}
export WAIAAS_PG_DIR
[ "$(id -u)" = 0 ] && chown postgres "$WAIAAS_PG_DIR"
# A free loopback port: bind port 0 and take what the kernel gave.
WAIAAS_PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export WAIAAS_PG_PORT

as_pg "$pg_bin/initdb" -D "$WAIAAS_PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
# TLS for waiaas-store/tests/postgres_tls.rs: a CA of its own and a server certificate
# for 127.0.0.1 only (no DNS name), so a connection to `localhost` must fail verification.
tls="$WAIAAS_PG_DIR/tls"
mkdir -p "$tls"
ossl() { openssl "$@" >"$tls/openssl.log" 2>&1 || { cat "$tls/openssl.log"; return 1; }; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -days 2 \
  -subj "/CN=waiaas test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$tls/ca.key" -out "$tls/ca.pem"
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
  -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr"
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$tls/ext"
ossl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
  -days 2 -extfile "$tls/ext" -out "$tls/server.pem"
chmod 600 "$tls/server.key"
[ "$(id -u)" = 0 ] && chown -R postgres "$tls"
# fsync stays on (the default): the failover test restarts the server and counts on it.
as_pg "$pg_bin/pg_ctl" -D "$WAIAAS_PG_DIR/data" -l "$WAIAAS_PG_DIR/log" -w \
  -o "-p $WAIAAS_PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c ssl=on -c ssl_cert_file='$tls/server.pem' -c ssl_key_file='$tls/server.key'" start >/dev/null
"$pg_bin/psql" -h 127.0.0.1 -p "$WAIAAS_PG_PORT" -U postgres -q -c "CREATE DATABASE waiaas_test"
# Plaintext for every test but the TLS ones (builds with `postgres-tls` would otherwise
# try TLS, as the server offers it, and refuse the test CA they do not know).
export WAIAAS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$WAIAAS_PG_PORT/waiaas_test?sslmode=disable"
export WAIAAS_TEST_POSTGRES_CA="$tls/ca.pem"
# How the failover test restarts the server (run alone: every connection drops).
as_pg_prefix=""
[ "$(id -u)" = 0 ] && as_pg_prefix="runuser -u postgres --"
export WAIAAS_PG_RESTART="$as_pg_prefix $pg_bin/pg_ctl -D $WAIAAS_PG_DIR/data -l $WAIAAS_PG_DIR/log -m fast -w restart"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on $WAIAAS_TEST_POSTGRES_URL"

pg_stop() {
  as_pg "$pg_bin/pg_ctl" -D "$WAIAAS_PG_DIR/data" -m fast -w stop >/dev/null || true
  rm -rf "$WAIAAS_PG_DIR"
}
