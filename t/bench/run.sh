#!/usr/bin/env bash
#
# ./build.sh bench: the performance targets of DESIGN.md section 8,
# measured as ratios in one run.
#
#   t/bench/run.sh BUILD_DIR
#
# Needs what `./build.sh build` leaves in BUILD_DIR (the module and
# libs3u.a), wrk, valgrind, curl, node and npm.  Everything listens on
# 127.0.0.1.  Prints a table and writes BUILD_DIR/bench.json; the scratch
# files (nginx prefix, callgrind dumps, generated policy sets, raw
# figures) stay in BUILD_DIR/bench/.
#
# Knobs (environment), defaults in brackets; the defaults keep the run
# well under ten minutes on two cores:
#   BENCH_ROUNDS [11]  BENCH_SECONDS [3]  BENCH_CONNECTIONS [16]
#   BENCH_CG_REQUESTS [1000]  BENCH_MIXED_REQUESTS [100000]
#   BENCH_EVAL_SECONDS [3]  BENCH_SIZES ["10 100 1000 10000"]
#   BENCH_PORT [18480]  BENCH_SCENARIOS  BENCH_POLICIES  NGINX_BIN
#   BENCH_PARTS [all]: some of "evaluator scaling rps memory pool
#     callgrind", for whoever is tuning one path; a partial run leaves its
#     raw figures in BUILD_DIR/bench/raw and writes no report

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)

NGINX=${NGINX_BIN:-/usr/sbin/nginx}
MODULE_SO=${MODULE_SO:-$BUILD/ngx_http_s3_unmask_module.so}
LIB=$BUILD/libs3u.a
WORK=$BUILD/bench
RAW=$WORK/raw
PREFIX=$WORK/nginx

SCENARIOS=${BENCH_SCENARIOS:-$(cd "$ROOT/.." && pwd)/shared/scenarios}
POLICIES=${BENCH_POLICIES:-$ROOT/policies/seed-incident/broken}
ROUNDS=${BENCH_ROUNDS:-11}
SECONDS_PER_RUN=${BENCH_SECONDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
CG_REQUESTS=${BENCH_CG_REQUESTS:-1000}
MIXED_REQUESTS=${BENCH_MIXED_REQUESTS:-100000}
EVAL_SECONDS=${BENCH_EVAL_SECONDS:-3}
SIZES=${BENCH_SIZES:-10 100 1000 10000}
BASE_PORT=${BENCH_PORT:-18480}
PARTS=${BENCH_PARTS:-all}

# the request of the seed incident (policies/seed-incident/broken)
SEED_PRINCIPAL=arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn
SEED_ACTION=s3:PutObject
SEED_RESOURCE=arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/test.txt

GATEWAY_PID=
UPSTREAM_PID=
VALGRIND_PID=
WRK_PID=
RPS_PIDS=()

# requests/s: the variants' gateways share one core, the upstream and wrk
# take the other (see rps_round); on one core everything shares it
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    PIN_GATEWAYS=(taskset -c 1)
    PIN_LOAD=(taskset -c 0)
else
    PIN_GATEWAYS=()
    PIN_LOAD=()
fi

T0=$(date +%s)
log() { printf '==> [%3ds] %s\n' $(( $(date +%s) - T0 )) "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

# --- setup -----------------------------------------------------------------

check_tools() {
    local t
    for t in wrk valgrind callgrind_control curl node npm gcc perl "$NGINX"; do
        command -v "$t" >/dev/null || die "$t is missing (./build.sh deps; apt-get install wrk)"
    done
    [ -f "$MODULE_SO" ] || die "no module at $MODULE_SO: run ./build.sh build first"
    [ -f "$LIB" ] || die "no $LIB: run ./build.sh build first"
    [ -d "$SCENARIOS" ] || die "no scenarios at $SCENARIOS"
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# four ports in a row: module off, on, on with evaluation, the upstream
pick_ports() {
    local p=$BASE_PORT
    while ! port_free "$p" || ! port_free $((p + 1)) \
          || ! port_free $((p + 2)) || ! port_free $((p + 3)); do
        p=$((p + 4))
        [ $p -lt $((BASE_PORT + 400)) ] || die "no four free ports from $BASE_PORT"
    done
    PORT_OFF=$p
    PORT_ON=$((p + 1))
    PORT_EVAL=$((p + 2))
    UPSTREAM_PORT=$((p + 3))
}

# url VARIANT KIND: VARIANT off|on|eval, KIND small|big|deny
url() {
    case $1 in
        off)  echo "http://127.0.0.1:$PORT_OFF/$2" ;;
        on)   echo "http://127.0.0.1:$PORT_ON/$2" ;;
        eval) echo "http://127.0.0.1:$PORT_EVAL/$2" ;;
    esac
}

# the only processes stopped here are the ones this script started
cleanup() {
    local pid
    for pid in "$WRK_PID" "$VALGRIND_PID" "$GATEWAY_PID" "$UPSTREAM_PID" \
               "${RPS_PIDS[@]}"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
}
trap cleanup EXIT

prepare() {
    rm -rf "$WORK"
    mkdir -p "$RAW" "$PREFIX/logs" "$PREFIX/tmp" "$PREFIX/conf" "$PREFIX/data" \
             "$WORK/gen"

    # the two 200 bodies: a small object and 1 MiB
    head -c 192 /dev/urandom | base64 -w0 > "$PREFIX/data/small.bin"
    head -c 1048576 /dev/urandom > "$PREFIX/data/big.bin"

    gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$ROOT/module" \
        "$HERE/bench_eval.c" "$LIB" -lcjson -lcrypto -o "$WORK/bench_eval"

    if [ ! -d "$HERE/node_modules/@cloud-copilot/iam-simulate" ] \
       || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
        log "npm ci (iam-simulate)"
        (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
}

subst() {
    sed -e "s#@PREFIX@#$PREFIX#g" \
        -e "s#@PORT_OFF@#$PORT_OFF#g" \
        -e "s#@PORT_ON@#$PORT_ON#g" \
        -e "s#@PORT_EVAL@#$PORT_EVAL#g" \
        -e "s#@UPSTREAM_PORT@#$UPSTREAM_PORT#g" \
        -e "s#@POLICIES@#$POLICIES#g" \
        "$1"
}

# render_gateway OUT NAME VARIANT...: a gateway serving the variants (off,
# on, eval), its pid and error log named NAME
render_gateway() {
    local out=$1 name=$2 v
    shift 2
    for v in "$@"; do
        subst "$HERE/server-$v.conf.in"
    done > "$out.servers"
    subst "$HERE/gateway.conf.in" \
        | sed -e "s#@NAME@#$name#g" -e "/^@SERVERS@$/{r $out.servers" -e 'd}' \
        > "$out"
    rm -f "$out.servers"
}

configure_nginx() {
    local msg

    subst "$HERE/upstream.conf.in" > "$PREFIX/conf/upstream.conf"
    GLOBALS="load_module $MODULE_SO;"

    EVAL=1
    EVAL_NOTE="seed policy set $(basename "$POLICIES")"
    render_gateway "$PREFIX/conf/gateway.conf" gateway off on eval
    if ! msg=$("$NGINX" -p "$PREFIX/" -c "$PREFIX/conf/gateway.conf" \
                 -g "$GLOBALS" -t -q 2>&1); then
        EVAL=0
        EVAL_NOTE="not wired: $(printf '%s' "$msg" | grep -m1 emerg \
                                 | sed 's/^.*\[emerg\] //')"
        log "evaluation: $EVAL_NOTE"
        render_gateway "$PREFIX/conf/gateway.conf" gateway off on
        "$NGINX" -p "$PREFIX/" -c "$PREFIX/conf/gateway.conf" -g "$GLOBALS" -t -q
    fi
}

wait_port() {
    local i
    for i in $(seq 100); do
        port_free "$1" || return 0
        sleep 0.1
    done
    die "nothing listens on 127.0.0.1:$1"
}

start_upstream() {
    "${PIN_LOAD[@]}" "$NGINX" -p "$PREFIX/" -c "$PREFIX/conf/upstream.conf" -q
    wait_port "$UPSTREAM_PORT"
    UPSTREAM_PID=$(cat "$PREFIX/logs/upstream.pid")
}

start_gateway() {
    "$NGINX" -p "$PREFIX/" -c "$PREFIX/conf/gateway.conf" -g "$GLOBALS" -q
    wait_port "$PORT_ON"
    GATEWAY_PID=$(cat "$PREFIX/logs/gateway.pid")
}

stop_gateway() {
    local i
    [ -n "$GATEWAY_PID" ] || return 0
    kill -QUIT "$GATEWAY_PID" 2>/dev/null || true
    for i in $(seq 100); do
        kill -0 "$GATEWAY_PID" 2>/dev/null || break
        sleep 0.1
    done
    GATEWAY_PID=
    while ! port_free "$PORT_ON"; do sleep 0.1; done
}

worker_pid() {
    local w
    w=$(pgrep -P "$GATEWAY_PID" | head -1)
    [ -n "$w" ] || die "no worker process under $GATEWAY_PID"
    echo "$w"
}

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# every variant and kind measured, as VARIANT/KIND
all_paths() {
    echo off/small on/small off/big on/big off/deny on/deny
    [ "$EVAL" = 1 ] && echo eval/deny
    return 0
}

# what each variant answers: the figures mean nothing if a path is broken
check_paths() {
    local path status
    : > "$RAW/paths.tsv"
    for path in $(all_paths); do
        status=$(curl -s -o "$RAW/body" -D "$RAW/headers" \
                      -w '%{http_code} %{size_download}' \
                      "$(url "${path%/*}" "${path#*/}")")
        printf '%s\t%s\t%s\n' "$path" "$status" \
            "$(grep -i '^S3-Denial:' "$RAW/headers" | tr -d '\r' \
               | sed 's/^[^:]*: *//')" >> "$RAW/paths.tsv"
    done
    awk -F'\t' '
        $1 ~ /small|big/ && $2 !~ /^200 / { bad = bad " " $1 " answered " $2 }
        $1 == "off/deny" && $2 !~ /^500 / { bad = bad " off/deny answered " $2 }
        $1 ~ /^(on|eval)\/deny$/ && $2 !~ /^403 / { bad = bad " " $1 " answered " $2 }
        END { if (bad) { print "bench: wrong answers:" bad > "/dev/stderr"; exit 1 } }
    ' "$RAW/paths.tsv"
}

# --- evaluator ---------------------------------------------------------------

bench_evaluator() {
    local files=() f used=()

    for f in "$SCENARIOS"/*.json; do
        files+=("$f")
    done

    log "evaluator: iam-simulate (${EVAL_SECONDS}s warm, Node $(node --version))"
    (cd "$HERE" && node iam_simulate_bench.js "$EVAL_SECONDS" "${files[@]}") \
        > "$RAW/iam-simulate.json"

    # the same scenarios on both sides: those iam-simulate could run
    mapfile -t used < <(node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
        for (const f of r.used_files) console.log(f);' "$RAW/iam-simulate.json")

    log "evaluator: ours (${EVAL_SECONDS}s, ${#used[@]} files)"
    "$WORK/bench_eval" scenarios "$EVAL_SECONDS" "${used[@]}" > "$RAW/ours.json"

    log "evaluator: seed policy set"
    "$WORK/bench_eval" pset 1 "$POLICIES" "$SEED_PRINCIPAL" "$SEED_ACTION" \
        "$SEED_RESOURCE" > "$RAW/seed-pset.json"
}

bench_scaling() {
    local n
    for n in $SIZES; do
        log "scaling: $n statements"
        node "$HERE/gen_pset.js" "$n" "$WORK/gen/$n"
        if ! timeout 150 "$WORK/bench_eval" pset 0.5 "$WORK/gen/$n" \
                "$SEED_PRINCIPAL" "$SEED_ACTION" "$SEED_RESOURCE" \
                > "$RAW/scale-$n.json"; then
            echo '{"statements":'"$n"',"timeout":150}' > "$RAW/scale-$n.json"
        fi
    done
}

# --- requests per second -----------------------------------------------------

# CPU time a process has used, in nanoseconds: the scheduler's own account
# (/proc/PID/schedstat), else user + system clock ticks
cpu_ns() {
    if [ -r "/proc/$1/schedstat" ]; then
        cut -d' ' -f1 "/proc/$1/schedstat"
    else
        awk -v hz="$(getconf CLK_TCK)" \
            '{ printf "%.0f", ($14 + $15) * 1e9 / hz }' "/proc/$1/stat"
    fi
}

# one one-worker nginx per variant, on the ports of the main gateway
start_rps_gateways() {
    local v pid w port
    RPS_PIDS=()
    RPS_VARIANTS=(off on)
    [ "$EVAL" = 1 ] && RPS_VARIANTS+=(eval)
    for v in "${RPS_VARIANTS[@]}"; do
        render_gateway "$PREFIX/conf/rps-$v.conf" "rps-$v" "$v"
        "${PIN_GATEWAYS[@]}" "$NGINX" -p "$PREFIX/" \
            -c "$PREFIX/conf/rps-$v.conf" -g "$GLOBALS" -q
        pid=$(cat "$PREFIX/logs/rps-$v.pid")
        RPS_PIDS+=("$pid")
        port=$(url "$v" "")
        port=${port##*:}
        wait_port "${port%/}"
        w=$(pgrep -P "$pid" | head -1)
        [ -n "$w" ] || die "no worker process under $pid"
        declare -g "RPS_WORKER_$v=$w"
    done
}

stop_rps_gateways() {
    local pid
    for pid in "${RPS_PIDS[@]}"; do
        kill -QUIT "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done
    RPS_PIDS=()
}

# One round of one kind: the variants side by side, a wrk each, for the
# same seconds.  Their gateways share one core, so whatever else slows
# that core down slows all of them alike.  Per variant: requests/s, non-2xx
# count, socket errors, the worker's CPU time per request (microseconds)
# and its share of the wall time.
rps_round() {
    local kind=$1 round=$2 v w n out t0 t1 used cpu0 cpu1
    local -A c0 c1 pids

    for v in $3; do
        w=RPS_WORKER_$v
        c0[$v]=$(cpu_ns "${!w}")
    done
    t0=$(date +%s%N)
    cpu0=$(core_times)
    for v in $3; do
        "${PIN_LOAD[@]}" wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" \
            "$(url "$v" "$kind")" > "$RAW/wrk-$v.txt" 2>&1 &
        pids[$v]=$!
    done
    for v in $3; do
        wait "${pids[$v]}" || true
    done
    t1=$(date +%s%N)
    cpu1=$(core_times)
    for v in $3; do
        w=RPS_WORKER_$v
        c1[$v]=$(cpu_ns "${!w}")
    done

    for v in $3; do
        out=$RAW/wrk-$v.txt
        n=$(awk '/requests in/ { print $1 }' "$out")
        used=$((c1[$v] - c0[$v]))
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$v" "$round" \
            "$(awk '/^Requests\/sec:/ { print $2 }' "$out")" \
            "$(awk '/Non-2xx or 3xx responses:/ { print $5 }' "$out")" \
            "$(awk '/Socket errors:/ { print $0 }' "$out" | tr '\t' ' ')" \
            "$(awk -v t="$used" -v n="${n:-0}" \
                  'BEGIN { if (n > 0) printf "%.3f", t / 1000 / n }')" \
            "$(awk -v t="$used" -v w=$((t1 - t0)) \
                  'BEGIN { printf "%.4f", t / w }')" \
            >> "$RAW/wrk.tsv"
    done

    # how busy each core was: which side set the pace
    printf '%s\t%s\t%s\n' "$kind" "$round" \
        "$(printf '%s\n%s\n' "$cpu0" "$cpu1" | awk '
            NR <= 2 { idle0[NR] = $2; total0[NR] = $3; next }
            { i = NR - 2; printf "%s%.4f", (i > 1 ? "\t" : ""),
                1 - ($2 - idle0[i]) / ($3 - total0[i]) }')" \
        >> "$RAW/cores.tsv"
}

# per core of the two the requests/s runs use: "cpuN idle total" (ticks)
core_times() {
    awk '/^cpu[01] / { idle = $5 + $6; total = 0
                       for (i = 2; i <= NF; i++) total += $i
                       print $1, idle, total }' /proc/stat
}

# the variants of a kind: evaluation only on the denial path
rps_variants() {
    if [ "$1" = deny ] && [ "$EVAL" = 1 ]; then
        echo off on eval
    else
        echo off on
    fi
}

bench_rps() {
    local round kind

    stop_gateway
    start_rps_gateways

    log "requests/s: warm-up"
    for kind in small big deny; do
        rps_round "$kind" 0 "$(rps_variants "$kind")"
    done
    : > "$RAW/wrk.tsv"
    : > "$RAW/cores.tsv"

    for round in $(seq "$ROUNDS"); do
        for kind in small big deny; do
            rps_round "$kind" "$round" "$(rps_variants "$kind")"
        done
        log "requests/s: round $round of $ROUNDS done"
    done

    stop_rps_gateways
    start_gateway
}

# --- memory ------------------------------------------------------------------

bench_memory() {
    local w paths

    stop_gateway
    start_gateway
    sleep 0.5
    w=$(worker_pid)
    echo "idle_rss_kb $(rss_kb "$w")" > "$RAW/memory.txt"

    # mixed, on the server with the most to do: small successes, masked
    # denials, and one 1 MiB body in twenty
    local variant=on
    [ "$EVAL" = 1 ] && variant=eval
    paths="/small /deny /small /small /deny /small /deny /small /small /deny"
    paths="$paths /small /deny /small /small /deny /small /deny /small /deny /big"

    log "memory: $MIXED_REQUESTS mixed requests (idle RSS $(rss_kb "$w") kB)"
    rm -f "$WORK/mixed.done"
    # shellcheck disable=SC2086
    wrk -t1 -c"$CONNECTIONS" -d300s -s "$HERE/mixed.lua" \
        "$(url "$variant" "")" -- "$MIXED_REQUESTS" "$WORK/mixed.done" \
        $paths > "$RAW/mixed.txt" 2>&1 &
    WRK_PID=$!
    while [ ! -e "$WORK/mixed.done" ] && kill -0 "$WRK_PID" 2>/dev/null; do
        sleep 0.2
    done
    kill -INT "$WRK_PID" 2>/dev/null || true
    wait "$WRK_PID" || true
    WRK_PID=
    sleep 0.5
    {
        echo "after_rss_kb $(rss_kb "$w")"
        echo "mixed_requests $(awk '/requests in/ { print $1 }' "$RAW/mixed.txt")"
        echo "worker_processes $(pgrep -c -P "$GATEWAY_PID")"
        echo "mixed_server $variant"
    } >> "$RAW/memory.txt"
}

# --- bytes per request: nginx's debug log of its allocations ----------------

# One request per connection and variant, warm (the upstream keepalive
# connection exists, lazy setup is done), with the gateway logging at debug
# level, which Debian's nginx supports.  pool_bytes.pl sums per connection.
bench_pool() {
    local path i tag

    stop_gateway
    sed -e 's#gateway-error.log  warn;#gateway-debug.log  debug;#' \
        "$PREFIX/conf/gateway.conf" > "$PREFIX/conf/gateway-debug.conf"
    rm -f "$PREFIX/logs/gateway-debug.log"
    "$NGINX" -p "$PREFIX/" -c "$PREFIX/conf/gateway-debug.conf" \
        -g "$GLOBALS" -q
    wait_port "$PORT_ON"
    GATEWAY_PID=$(cat "$PREFIX/logs/gateway.pid")

    for i in 1 2 3; do
        for path in $(all_paths); do
            curl -s -o /dev/null "$(url "${path%/*}" "${path#*/}")"
        done
    done
    # the tag has the same length for every variant: a longer request
    # line would take a few more bytes of the pool
    for path in $(all_paths); do
        tag=${path%/*}___
        curl -s -o /dev/null \
            "$(url "${path%/*}" "${path#*/}")?m=${tag:0:4}-${path#*/}"
    done

    stop_gateway
    perl "$HERE/pool_bytes.pl" "$PREFIX/logs/gateway-debug.log" \
        > "$RAW/pool.tsv"
    rm -f "$PREFIX/logs/gateway-debug.log"
}

# --- instructions per request: callgrind, nginx in single-process mode -------

cg_phase() {
    local name=$1 path=$2 n=$3 i u
    u=$(url "${path%/*}" "${path#*/}")
    {
        for i in $(seq "$n"); do
            printf 'url = "%s"\noutput = "/dev/null"\n' "$u"
        done
    } > "$WORK/curl-$name.txt"
    curl -s -K "$WORK/curl-$name.txt"
    callgrind_control -d "$name" "$VALGRIND_PID" >/dev/null 2>&1
    CG_DUMP=$((CG_DUMP + 1))
    printf '%s\t%s\t%s\t%s\n' "$name" "$path" "$n" \
        "$(perl "$HERE/cg_calls.pl" "$WORK/cg.out.$CG_DUMP")" \
        >> "$RAW/callgrind.tsv"
}

bench_callgrind() {
    local i nbig

    stop_gateway
    : > "$RAW/callgrind.tsv"
    rm -f "$WORK"/cg.out*

    log "callgrind: nginx in single-process mode"
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" \
        "$NGINX" -p "$PREFIX/" -c "$PREFIX/conf/gateway.conf" \
        -g "$GLOBALS master_process off; daemon off;" \
        > "$WORK/valgrind.log" 2>&1 &
    VALGRIND_PID=$!
    for i in $(seq 600); do
        port_free "$PORT_ON" || break
        sleep 0.1
    done

    # warm-up: first-request costs (lazy binding, pool growth) go here
    for i in $(all_paths); do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            curl -s -o /dev/null "$(url "${i%/*}" "${i#*/}")"
        done
    done
    callgrind_control -d warmup "$VALGRIND_PID" >/dev/null 2>&1
    CG_DUMP=1

    # A B B A: the order cannot favour one side
    log "callgrind: warmed up"
    cg_phase off-small-1 off/small "$CG_REQUESTS"
    cg_phase on-small-1 on/small "$CG_REQUESTS"
    cg_phase on-small-2 on/small "$CG_REQUESTS"
    cg_phase off-small-2 off/small "$CG_REQUESTS"

    # 1 MiB bodies: fewer requests, each costs ~50x more under valgrind
    nbig=$((CG_REQUESTS / 5 > 0 ? CG_REQUESTS / 5 : 1))
    cg_phase off-big-1 off/big "$nbig"
    cg_phase on-big-1 on/big "$nbig"
    cg_phase on-big-2 on/big "$nbig"
    cg_phase off-big-2 off/big "$nbig"

    log "callgrind: denial path"
    cg_phase off-deny-1 off/deny "$CG_REQUESTS"
    cg_phase on-deny-1 on/deny "$CG_REQUESTS"
    if [ "$EVAL" = 1 ]; then
        cg_phase eval-deny-1 eval/deny "$CG_REQUESTS"
    fi

    kill -QUIT "$VALGRIND_PID" 2>/dev/null || true
    wait "$VALGRIND_PID" 2>/dev/null || true
    VALGRIND_PID=

    # where the denial path spends its instructions, for whoever makes it
    # faster: inclusive cost per function of the last phase (callgrind_annotate)
    callgrind_annotate --inclusive=yes --threshold=99 "$WORK/cg.out.$CG_DUMP" \
        > "$RAW/profile-$( [ "$EVAL" = 1 ] && echo eval || echo on )-deny.txt" \
        2>/dev/null || true
    while ! port_free "$PORT_ON"; do sleep 0.1; done
}

# --- main --------------------------------------------------------------------

want() {
    [ "$PARTS" = all ] || [[ " $PARTS " == *" $1 "* ]]
}

main() {
    local t0

    t0=$(date +%s)
    check_tools
    pick_ports
    prepare
    configure_nginx

    want evaluator && bench_evaluator
    want scaling && bench_scaling

    start_upstream
    start_gateway
    check_paths
    want rps && bench_rps
    want memory && bench_memory
    want pool && bench_pool
    want callgrind && bench_callgrind

    kill -QUIT "$UPSTREAM_PID" 2>/dev/null || true
    UPSTREAM_PID=

    if [ "$PARTS" != all ]; then
        log "partial run ($PARTS): raw figures in $RAW"
        return 0
    fi

    {
        echo "eval_wired $EVAL"
        echo "eval_note $EVAL_NOTE"
        echo "rounds $ROUNDS"
        echo "seconds_per_run $SECONDS_PER_RUN"
        echo "connections $CONNECTIONS"
        echo "cg_requests $CG_REQUESTS"
        echo "sizes $SIZES"
        echo "buffer_size 16384"
        echo "deny_body_len $(awk -F'\t' '$1 == "off/deny" { split($2, a, " "); print a[2] }' "$RAW/paths.tsv")"
        echo "elapsed_sec $(( $(date +%s) - t0 ))"
        echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "nproc $(nproc)"
    } > "$RAW/run.txt"

    node "$HERE/report.js" "$RAW" "$BUILD/bench.json"
}

main "$@"
