#!/usr/bin/env bash
# The abuse probes of issue 16, against a release build, with curl from loopback addresses:
#   scripts/probe-abuse.sh
# Prints: 30 wrong passwords from 127.0.0.2 and the owner from 127.0.0.1; 30 names from 127.0.0.3; the user log's
# growth under 200 wrong passwords from 127.0.0.4 (entries at once, and after the server stopped); then the PNG
# bomb and the 4-page shared-stream PDF through `blankett intake` with peak memory and time.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/blankett
WORK=$(mktemp -d /tmp/blankett-probe.XXXXXX)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
DATA=$WORK/data
PASSWORD=korrekt-hast-batteri
for u in anna admin; do
  role=(); [ "$u" = admin ] && role=(--role admin)
  printf '%s\n' "$PASSWORD" | $BIN user add --data "$DATA" --username "$u" --name "Test $u" --region 01 \
    "${role[@]}" --password-stdin >/dev/null
  $BIN user approve --data "$DATA" --username "$u" >/dev/null 2>&1 || true
done

start_server() {
  $BIN serve --data "$DATA" --bind 127.0.0.1:0 2>"$WORK/serve.log" &
  SERVER=$!
  for _ in $(seq 100); do
    PORT=$(sed -n 's/.*lyssnar på http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/serve.log" | head -1)
    [ -n "$PORT" ] && break
    sleep 0.1
  done
  BASE=http://127.0.0.1:$PORT
}

# login FROM USER PASSWORD -> HTTP status of the post
login() {
  local jar=$WORK/jar-$1-$RANDOM
  local token
  token=$(curl -s --interface "$1" -c "$jar" "$BASE/staff/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -o /dev/null -w '%{http_code}' --interface "$1" -b "$jar" -c "$jar" \
    --data-urlencode "csrf=$token" --data-urlencode "username=$2" --data-urlencode "password=$3" "$BASE/staff/login"
  rm -f "$jar"
}

user_log_entries() {
  local jar=$WORK/admin-jar
  local token
  token=$(curl -s --interface 127.0.0.1 -c "$jar" "$BASE/staff/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -o /dev/null --interface 127.0.0.1 -b "$jar" -c "$jar" --data-urlencode "csrf=$token" \
    --data-urlencode "username=admin" --data-urlencode "password=$PASSWORD" "$BASE/staff/login"
  curl -s --interface 127.0.0.1 -b "$jar" "$BASE/staff/admin/logg.csv" | tail -n +2 | grep -c . || true
}

start_server
echo "== 30 wrong passwords for anna from 127.0.0.2, then anna from 127.0.0.1"
t0=$(date +%s.%N)
codes=$(for i in $(seq 30); do printf '%s ' "$(login 127.0.0.2 anna "gissning-$i")"; done)
t1=$(date +%s.%N)
echo "statuses: $codes"
echo "time: $(echo "$t1 - $t0" | bc) s"
echo "owner from 127.0.0.1: $(login 127.0.0.1 anna "$PASSWORD")"
echo "right password from 127.0.0.2 while blocked: $(login 127.0.0.2 anna "$PASSWORD")"

echo "== 30 usernames from 127.0.0.3"
t0=$(date +%s.%N)
codes=$(for i in $(seq 30); do printf '%s ' "$(login 127.0.0.3 "namn$i" sommar2024)"; done)
t1=$(date +%s.%N)
echo "statuses: $codes"
echo "time: $(echo "$t1 - $t0" | bc) s"

echo "== user log under 200 wrong passwords for anna from 127.0.0.4"
before=$(user_log_entries)
t0=$(date +%s.%N)
codes=$(for i in $(seq 200); do login 127.0.0.4 anna "gissning-$i"; echo; done | sort | uniq -c | tr '\n' ' ')
t1=$(date +%s.%N)
after=$(user_log_entries)
echo "statuses (count status): $codes"
echo "time: $(echo "$t1 - $t0" | bc) s"
echo "user log entries: $before before, $after right after (incl. the admin's own log-in to read it)"
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
start_server
final=$(user_log_entries)
echo "after the server stopped (window summaries written) and one more admin log-in: $final"
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true

echo "== hostile files through blankett intake"
cargo run -q --release --features synth --example hostile -- png "$WORK/bomb.png" >/dev/null
cargo run -q --release --features synth --example hostile -- pdf "$WORK/shared.pdf" 4 1024 >/dev/null
ls -l "$WORK/bomb.png" "$WORK/shared.pdf" | awk '{print $5, $9}'
for f in bomb.png shared.pdf; do
  /usr/bin/time -f "$f: %e s, %M KB max RSS" $BIN intake --data "$WORK/intake-$f" "$WORK/$f" 2>"$WORK/err" || true
  cat "$WORK/err"
done
