#!/usr/bin/env bash
#
# Load, reloads under load, and memory: issue 8 of the hardening work.
#
#   t/load/run.sh BUILD_DIR [SECONDS]
#
# For SECONDS (default 60), wrk keeps 256 connections busy on the gateway
# (t/load/nginx.conf.in, the module with s3_unmask_buffer 4k) in front of
# an upstream (t/load/upstream.conf.in) with mixed traffic: successes,
# masked denials, over-limit denials (with a Content-Length, and chunked),
# malformed error bodies and slow chunked denials.  Every answer is checked
# (t/load/mixed.lua): its status, its exact bytes, and the S3-Denial
# header where one belongs.  Meanwhile the gateway is reloaded 20 times,
# alternating the incident's policy set and its fix; the tenth reload is a
# policy set with a JSON syntax error, which must be refused while the old
# workers keep serving.  The resident memory of the gateway (master and
# the workers that are not shutting down) is sampled five times a second.
#
# Fails (exit 1) on: an unexpected answer, any socket error (connect,
# read, write, timeout), a kind of request that never got through, a
# worker that exited on a signal, an [alert] or [crit] in the error log,
# an [emerg] other than the refused reload's, a reload that did not behave
# as described, a master that changed, s3_unmask_rewritten_total below the
# 403s answered, or a resident size that grew by 2% or more from the
# window around SECONDS/3 (20 s) to the last 10 s.  Exit 2: cannot run here.
#
# Everything listens on 127.0.0.1; the scratch files (both prefixes, the
# wrk output, the samples) stay in BUILD_DIR/load/.
#
# Environment: LOAD_PORT [18580] first port tried, LOAD_CONNECTIONS [256],
# LOAD_THREADS [2], NGINX_BIN [/usr/sbin/nginx], ECHO_MODULE [Debian's].

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [SECONDS]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
DURATION=${2:-60}

NGINX=${NGINX_BIN:-/usr/sbin/nginx}
MODULE_SO=${MODULE_SO:-$BUILD/ngx_http_s3_unmask_module.so}
ECHO_SO=${ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
CONNECTIONS=${LOAD_CONNECTIONS:-256}
THREADS=${LOAD_THREADS:-2}
BASE_PORT=${LOAD_PORT:-18580}
RELOADS=20
BROKEN_AT=10        # which reload gets the policy set with a syntax error
RSS_LIMIT_PCT=2

SEED=$ROOT/policies/seed-incident
BAD_SET=$ROOT/t/fixtures/gateway/bad-json

WORK=$BUILD/load
GW=$WORK/gateway
UP=$WORK/upstream
EXPECT=$WORK/expect

WRK_PID=
FAILURES=()

log()  { printf '==> %s\n' "$*" >&2; }
die()  { printf 'load: %s\n' "$*" >&2; exit 2; }
fail() { FAILURES+=("$*"); printf 'load: FAIL: %s\n' "$*" >&2; }

# --- setup -----------------------------------------------------------------

[[ $DURATION =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 15 ] \
    || die "SECONDS must be a whole number of at least 15 (got '$DURATION')"
for t in wrk curl ps "$NGINX"; do
    command -v "$t" >/dev/null || die "$t is missing (apt-get install wrk curl procps)"
done
[ -f "$MODULE_SO" ] || die "no module at $MODULE_SO: run ./build.sh build first"
[ -f "$ECHO_SO" ] || die "no echo module at $ECHO_SO (apt-get install libnginx-mod-http-echo)"
for set in "$SEED/broken" "$SEED/fixed" "$BAD_SET"; do
    [ -f "$set/policyset.json" ] || die "no policy set at $set"
done

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

PORT=$BASE_PORT
while ! port_free "$PORT" || ! port_free $((PORT + 1)); do
    PORT=$((PORT + 2))
    [ $PORT -lt $((BASE_PORT + 200)) ] || die "no free port pair from $BASE_PORT"
done
UPSTREAM_PORT=$((PORT + 1))

pid_of() {
    local file=$1/logs/nginx.pid
    [ -s "$file" ] && tr -dc 0-9 <"$file"
}

# stops what this script started: wrk, then both masters (QUIT, then KILL)
stop_all() {
    local prefix pid i
    if [ -n "$WRK_PID" ] && kill -0 "$WRK_PID" 2>/dev/null; then
        kill "$WRK_PID" 2>/dev/null || true
    fi
    for prefix in "$GW" "$UP"; do
        pid=$(pid_of "$prefix" || true)
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
        kill -QUIT "$pid" 2>/dev/null || true
        for i in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

rm -rf "$WORK"
mkdir -p "$GW"/{conf,logs,tmp} "$UP"/{conf,logs,tmp,html/files} "$EXPECT"

user_line=
[ "$(id -u)" = 0 ] && user_line='user root;'

render() {
    local template=$1 prefix=$2 modules=$3
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$PORT|g" \
        -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@USER@|$user_line|" \
        -e "s|@LOAD_MODULES@|$modules|" "$template" >"$prefix/conf/nginx.conf"
}

render "$HERE/upstream.conf.in" "$UP" "load_module $ECHO_SO;"
render "$HERE/nginx.conf.in" "$GW" "load_module $MODULE_SO;"

use_set() {
    printf 's3_unmask_policies %s;\n' "$1" >"$GW/conf/policy.conf"
}
use_set "$SEED/broken"

# the over-limit denial: the bytes /over-chunked produces, as a file
over_body() {
    printf '<Error><Code>AccessDenied</Code><Message>'
    head -c 5943 /dev/zero | tr '\0' x
    printf '</Message></Error>'
}
over_body >"$UP/html/files/over.xml"

# what each kind must get from the gateway; the weights make a cycle of
# 12 requests: 4 successes, 3 masked denials, 5 of the rest
printf '%s' '{"stored":true}' >"$EXPECT/ok"
printf '%s' '{"message":"Access Denied","code":"AccessDenied","region":null,"time":"2026-11-27T09:14:07.512Z","requestId":"4Y5GQ1WJ8W1XJ0J5","statusCode":403,"retryable":false}' >"$EXPECT/denied"
cp "$UP/html/files/over.xml" "$EXPECT/over"
printf '%s' '<Error><Code>AccessDenied</Code><Message>Access Den' >"$EXPECT/malformed-xml"
printf '%s' '{"code":"AccessDenied","message":"Access Denied"' >"$EXPECT/malformed-json"
printf '%s' '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>SLOWLOAD</RequestId></Error>' >"$EXPECT/slow"

cat >"$WORK/expectations" <<EOF
/ok 4 200 - $EXPECT/ok
/denied 3 403 S3-Denial $EXPECT/denied
/over-length 1 500 - $EXPECT/over
/over-chunked 1 500 - $EXPECT/over
/malformed-xml 1 500 - $EXPECT/malformed-xml
/malformed-json 1 500 - $EXPECT/malformed-json
/slow 1 403 S3-Denial $EXPECT/slow
EOF

nginx_at() {
    local prefix=$1
    shift
    "$NGINX" -p "$prefix/" -e "$prefix/logs/error.log" -c "$prefix/conf/nginx.conf" "$@"
}

log "upstream on 127.0.0.1:$UPSTREAM_PORT, gateway on 127.0.0.1:$PORT"
nginx_at "$UP" -q -t || die "the upstream configuration is refused"
nginx_at "$GW" -q -t || die "the gateway configuration is refused"
nginx_at "$UP"
nginx_at "$GW"

wait_pid() {
    local i
    for i in $(seq 100); do
        pid_of "$1" >/dev/null && return 0
        sleep 0.05
    done
    die "nginx under $1 wrote no pid file"
}
wait_pid "$UP"
wait_pid "$GW"
MASTER=$(pid_of "$GW")

# one request of each kind before the load: a wrong setup fails here, fast
while read -r path _ status header file; do
    got=$(curl -s -o "$WORK/first.body" -w '%{http_code}' -X PUT --data-binary hello \
          -D "$WORK/first.head" "http://127.0.0.1:$PORT$path") || got=000
    if [ "$got" != "$status" ] || ! cmp -s "$WORK/first.body" "$file"; then
        die "before the load, $path answered $got (expected $status and the bytes of $file)"
    fi
    if [ "$header" != - ] && ! grep -qi "^$header:" "$WORK/first.head"; then
        die "before the load, $path answered without $header"
    fi
done <"$WORK/expectations"

# --- memory ----------------------------------------------------------------

# master, then each serving worker that has run for a second or more, in
# kB.  Workers shutting down after a reload are left out (they leave once
# their last request is done), and so are the newest: a worker's RSS
# climbs in its first moments as it touches its connections and pools.
gateway_rss() {
    local master_kb
    master_kb=$(ps -o rss= -p "$MASTER" | tr -dc 0-9)
    echo "${master_kb:-0}" $(ps -o rss=,etimes=,args= --ppid "$MASTER" \
                             | awk '/worker process$/ && $2 >= 1 { print $1 }')
}

# --- reloads ---------------------------------------------------------------

RELOADS_ACCEPTED=0
RELOADS_REFUSED=0

log_size() { stat -c %s "$GW/logs/error.log"; }

# waits up to 5 s for a line matching $2 after byte $1 of the error log
log_has() {
    local from=$1 pattern=$2 i
    for i in $(seq 100); do
        # (grep -q may stop reading early: tail's SIGPIPE is no failure)
        { tail -c +$((from + 1)) "$GW/logs/error.log" || true; } \
            | grep -qE "$pattern" && return 0
        sleep 0.05
    done
    return 1
}

reload() {
    local n=$1 set out mark
    if [ "$n" -eq "$BROKEN_AT" ]; then
        set=$BAD_SET
    elif [ $((n % 2)) -eq 1 ]; then
        set=$SEED/fixed
    else
        set=$SEED/broken
    fi
    use_set "$set"
    mark=$(log_size)

    if [ "$set" = "$BAD_SET" ]; then
        # both ways an operator reloads: the command checks the set first;
        # a bare SIGHUP makes the master read it and give up
        if out=$(nginx_at "$GW" -s reload 2>&1); then
            fail "reload $n: nginx -s reload accepted the broken set"
            return
        fi
        if ! grep -q 'bad-json/bucket-policy.json:6:7: JSON syntax error' <<<"$out"; then
            fail "reload $n: nginx -s reload did not say where the set is broken: $out"
        fi
        kill -HUP "$MASTER"
        if ! log_has "$mark" '\[emerg\].*bad-json/bucket-policy.json:6:7'; then
            fail "reload $n: the master did not refuse the broken set"
            return
        fi
        sleep 0.5
        if { tail -c +$((mark + 1)) "$GW/logs/error.log" || true; } \
               | grep -q 'start worker process'; then
            fail "reload $n: workers started from the broken set"
            return
        fi
        RELOADS_REFUSED=$((RELOADS_REFUSED + 1))
        printf '%6.1f s  reload %2d  %-12s refused\n' "$(elapsed)" "$n" "${set##*/}" >&2
        return
    fi

    if ! out=$(nginx_at "$GW" -s reload 2>&1); then
        fail "reload $n (${set##*/}) was refused: $out"
        return
    fi
    if ! log_has "$mark" 'start worker process'; then
        fail "reload $n (${set##*/}): no new worker started"
        return
    fi
    RELOADS_ACCEPTED=$((RELOADS_ACCEPTED + 1))
    printf '%6.1f s  reload %2d  %-12s accepted\n' "$(elapsed)" "$n" "${set##*/}" >&2
}

# --- the run ---------------------------------------------------------------

now_ms() { date +%s%3N; }
START_MS=0
elapsed() { awk -v ms=$(( $(now_ms) - START_MS )) 'BEGIN { printf "%.1f", ms / 1000 }'; }

log "wrk: $DURATION s, $CONNECTIONS connections, $THREADS threads; $RELOADS reloads"
START_MS=$(now_ms)
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s \
    -s "$HERE/mixed.lua" "http://127.0.0.1:$PORT" -- "$WORK/expectations" \
    >"$WORK/wrk.out" 2>&1 &
WRK_PID=$!

# reload n at 5 s + (n - 1) * step, the last one 5 s before the end
STEP_MS=$(( (DURATION - 10) * 1000 / (RELOADS - 1) ))
EARLY_S=$(( DURATION / 3 ))        # 20 s of a 60 s run
next_reload=1
SAMPLE_MS=200
next_sample=1       # in SAMPLE_MS
: >"$WORK/rss.samples"

while kill -0 "$WRK_PID" 2>/dev/null; do
    t=$(( $(now_ms) - START_MS ))
    if [ $next_reload -le $RELOADS ] \
       && [ $t -ge $(( 5000 + (next_reload - 1) * STEP_MS )) ]; then
        reload $next_reload
        next_reload=$((next_reload + 1))
        continue
    fi
    if [ $t -ge $(( next_sample * SAMPLE_MS )) ] && [ $t -lt $(( DURATION * 1000 - 300 )) ]; then
        echo "$(( t / 1000 )).$(( t % 1000 / 100 )) $(gateway_rss)" >>"$WORK/rss.samples"
        next_sample=$(( t / SAMPLE_MS + 1 ))
    fi
    sleep 0.05
done
wait "$WRK_PID" || fail "wrk exited with status $?"
WRK_PID=

# --- verdict ---------------------------------------------------------------

cat "$WORK/wrk.out" >&2

result=$(grep '^load-result ' "$WORK/wrk.out" || true)
[ -n "$result" ] || fail "wrk printed no result (see $WORK/wrk.out)"
# a figure of the result line; 0 when there is none (already a failure)
field() {
    local value
    value=$(sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$result")
    echo "${value:-0}"
}

requests=$(field requests)
unexpected=$(field unexpected)
sock_errors=$(( $(field connect) + $(field read) + $(field write) + $(field timeout) ))
[ "${unexpected:-1}" -eq 0 ] || fail "$unexpected unexpected answers"
[ "$sock_errors" -eq 0 ] || fail "$sock_errors socket errors (connect, read, write, timeout)"

kinds_seen=$(grep -c '^load-kind ' "$WORK/wrk.out" || true)
kinds_all=$(wc -l <"$WORK/expectations")
while read -r _ path n; do
    [ "$n" -gt 0 ] || fail "no $path request got its expected answer"
done < <(grep '^load-kind ' "$WORK/wrk.out")
[ "$kinds_seen" -eq "$kinds_all" ] || fail "only $kinds_seen of $kinds_all kinds were answered"

[ "$RELOADS_ACCEPTED" -eq $((RELOADS - 1)) ] \
    || fail "$RELOADS_ACCEPTED reloads accepted, expected $((RELOADS - 1))"
[ "$RELOADS_REFUSED" -eq 1 ] || fail "$RELOADS_REFUSED reloads refused, expected 1"
[ "$(pid_of "$GW")" = "$MASTER" ] && kill -0 "$MASTER" 2>/dev/null \
    || fail "the gateway's master $MASTER is gone or was replaced"

crashes=$(cat "$GW/logs/error.log" "$UP/logs/error.log" | grep -c 'exited on signal' || true)
[ "$crashes" -eq 0 ] || fail "$crashes worker crashes (exited on signal)"
alerts=$(grep -cE '\[(alert|crit)\]' "$GW/logs/error.log" || true)
[ "$alerts" -eq 0 ] || fail "$alerts [alert] or [crit] lines in the gateway's error log"
# the refused reload's own (the command's and the master's), none other
emergs=$(grep '\[emerg\]' "$GW/logs/error.log" | grep -vc 'bad-json/bucket-policy.json:6:7' || true)
[ "$emergs" -eq 0 ] || fail "$emergs [emerg] lines in the error log besides the refused reload's"

# the counters live in shared memory: they outlived every reload
metrics=$(curl -s "http://127.0.0.1:$PORT/metrics" || true)
rewritten=$(sed -n 's/^s3_unmask_rewritten_total \([0-9]*\)$/\1/p' <<<"$metrics")
denials=$(awk '$2 == "/denied" || $2 == "/slow" { s += $3 } END { print s + 0 }' \
          < <(grep '^load-kind ' "$WORK/wrk.out"))
[ -n "$rewritten" ] && [ "$rewritten" -ge "$denials" ] \
    || fail "s3_unmask_rewritten_total is '${rewritten:-none}', below the $denials denials answered"

# the gateway's RSS over the samples in [from, to] seconds: the master's
# median plus 2 workers at the median of the workers' samples (a worker's
# RSS follows the requests it has in flight: glibc gives freed memory back)
median() {
    sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}
window_rss() {
    local master worker
    master=$(awk -v from="$1" -v to="$2" '$1 >= from && $1 <= to { print $2 }' \
             "$WORK/rss.samples" | median)
    worker=$(awk -v from="$1" -v to="$2" \
             '$1 >= from && $1 <= to { for (i = 3; i <= NF; i++) print $i }' \
             "$WORK/rss.samples" | median)
    if [ "$master" -gt 0 ] && [ "$worker" -gt 0 ]; then
        echo $((master + 2 * worker)) "$master" "$worker"
    else
        echo 0 0 0
    fi
}

# (the first reload, at 5 s, gives the master its second configuration:
# the early window starts after it)
early_from=$((EARLY_S - 5))
[ $early_from -ge 6 ] || early_from=6
read -r rss_early master_early worker_early < <(window_rss $early_from $((EARLY_S + 5)))
read -r rss_late master_late worker_late < <(window_rss $((DURATION - 10)) "$DURATION")
if [ "$STEP_MS" -lt 2000 ]; then
    # a run this short reloads too often for any worker to reach a second
    growth="not checked (reloads every $STEP_MS ms: run 48 s or more)"
elif [ "$rss_early" -gt 0 ] && [ "$rss_late" -gt 0 ]; then
    growth=$(awk -v a="$rss_early" -v b="$rss_late" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')
    awk -v g="$growth" -v l="$RSS_LIMIT_PCT" 'BEGIN { exit !(g < l) }' \
        || fail "resident size grew by $growth% from ${EARLY_S} s to the end (limit $RSS_LIMIT_PCT%)"
    growth="$growth%"
else
    growth=n/a
    fail "too few memory samples (see $WORK/rss.samples)"
fi

rps=$(awk -v r="${requests:-0}" -v us="$(field duration_us)" \
      'BEGIN { if (us > 0) printf "%.0f", r * 1e6 / us; else print 0 }')

cat <<EOF

load summary ($DURATION s, $CONNECTIONS connections, $THREADS wrk threads, 2 gateway workers)
  requests answered      ${requests:-0} (${rps}/s), p99 $(field p99_ms) ms, max $(field max_ms) ms
$(grep '^load-kind ' "$WORK/wrk.out" | awk '{ printf "    %-20s %d\n", $2, $3 }')
  unexpected answers     ${unexpected:-?}
  socket errors          $sock_errors
  reloads                $RELOADS_ACCEPTED accepted, $RELOADS_REFUSED refused (the broken set), master $MASTER kept
  worker crashes         $crashes; [alert]/[crit] lines: $alerts
  rewritten (metrics)    ${rewritten:-none}
  gateway RSS            ${rss_early} kB around ${EARLY_S} s, ${rss_late} kB in the last 10 s: ${growth} (limit <$RSS_LIMIT_PCT%)
    master               ${master_early} kB, then ${master_late} kB
    one worker (median)  ${worker_early} kB, then ${worker_late} kB
EOF

if [ ${#FAILURES[@]} -gt 0 ]; then
    printf '\nload: %d condition(s) violated:\n' ${#FAILURES[@]}
    printf '  - %s\n' "${FAILURES[@]}"
    exit 1
fi
echo
echo "load: PASS"
