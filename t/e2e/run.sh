#!/usr/bin/env bash
#
# End-to-end suite: real AWS SDK handlers (aws-sdk v2, @aws-sdk/client-s3 v3)
# behind a Lambda-like adapter, a fake S3 endpoint deciding with the
# project's evaluator, and nginx with ngx_http_s3_unmask_module in front.
#
#   t/e2e/run.sh [BUILD_DIR]             (default: build/ next to t/)
#   t/e2e/run.sh BUILD_DIR transcript    no tests: print curl transcripts of
#                                        the incident (README material);
#                                        E2E_MESSAGE_FORM=bare|detailed|auto
#                                        picks S3's AccessDenied message
#
# Installs the npm packages from package-lock.json (npm ci) when
# node_modules is missing or older than the lock file, starts everything on
# 127.0.0.1 (ports picked free), runs `node --test`, stops what it started
# (also on failure and Ctrl-C) and exits non-zero on any failure.
#
# nginx: Debian's /usr/sbin/nginx with BUILD_DIR/ngx_http_s3_unmask_module.so,
# or, when NGINX_SRC is set (static build, as in build.sh),
# BUILD_DIR/nginx-static/sbin/nginx. E2E_NGINX_BIN overrides the binary.
# E2E_NO_MODULE=1 runs nginx without the module (a plain proxy), to check
# the rest of the chain on its own; the tests that need the module fail.

set -uo pipefail

E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)

log() { printf 'e2e: %s\n' "$*" >&2; }
die() { printf 'e2e: %s\n' "$*" >&2; exit 2; }

BUILD=${1:-$ROOT/build}
MODE=${2:-test}
mkdir -p "$BUILD" || die "cannot create $BUILD"
BUILD=$(cd "$BUILD" && pwd)
WORK=$BUILD/e2e

command -v node >/dev/null || die "node is not installed (./build.sh deps)"
command -v npm >/dev/null || die "npm is not installed (./build.sh deps)"

PIDS=()
NGINX_PID=

cleanup() {
    local pid

    if [ -n "$NGINX_PID" ]; then
        kill -QUIT "$NGINX_PID" 2>/dev/null
    fi
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}" $NGINX_PID; do
        wait "$pid" 2>/dev/null
    done
    PIDS=()
    NGINX_PID=
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT
trap 'log terminated; exit 143' TERM

# --- npm packages ----------------------------------------------------------

ensure_node_modules() {
    local want have

    want=$(cat "$E2E/package.json" "$E2E/package-lock.json" | sha256sum | cut -d' ' -f1)
    have=$(cat "$E2E/node_modules/.e2e-lock-stamp" 2>/dev/null || true)

    if [ -d "$E2E/node_modules" ] && [ "$want" = "$have" ]; then
        return 0
    fi
    log "npm ci (package-lock.json)"
    (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
    printf '%s\n' "$want" > "$E2E/node_modules/.e2e-lock-stamp"
}

# --- processes -------------------------------------------------------------

# waits until 127.0.0.1:PORT accepts connections or PID died
wait_port() {
    local port=$1 pid=$2 name=$3 tries=300

    while [ $tries -gt 0 ]; do
        tries=$((tries - 1))
        if ! kill -0 "$pid" 2>/dev/null; then
            log "$name exited early; its log:"
            tail -20 "$WORK/logs/$name.log" >&2
            return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    log "$name did not listen on 127.0.0.1:$port"
    return 1
}

start_node() {
    local name=$1 port=$2
    shift 2

    node "$@" > "$WORK/logs/$name.log" 2>&1 &
    PIDS+=($!)
    wait_port "$port" "$!" "$name"
}

show_logs() {
    local f

    for f in "$WORK"/logs/*.log; do
        [ -s "$f" ] || continue
        printf '\n--- %s (last 40 lines)\n' "${f#"$BUILD"/}" >&2
        tail -40 "$f" >&2
    done
}

# one request shown as a terminal session: the command, then the response
show() {
    local title=$1 url=$2

    printf '\n# %s\n$ curl -si -X POST %s\n' "$title" "$url"
    curl -si -X POST -H 'Content-Type: application/json' --data '{}' "$url" \
        | grep -v -i -E '^(date|x-amzn-requestid|keep-alive|connection):' | tr -d '\r'
    printf '\n'
}

transcript() {
    local sdk form=${E2E_MESSAGE_FORM:-auto}

    # auto: S3's detailed message, the seed set's accounts sharing an
    # organization; bare: "Access Denied", as across organizations
    curl -sf -X POST --data "$form" "http://127.0.0.1:$E2E_S3_BROKEN_PORT/__e2e/message-form" \
        || { log "unknown message form $form (auto, bare, detailed)"; return 1; }

    for sdk in v2 v3 py; do
        show "SDK $sdk, the incident as the client saw it (straight from the Lambda proxy integration)" \
            "http://127.0.0.1:$E2E_ADAPTER_BROKEN_PORT/upload/$sdk"
        show "SDK $sdk, the same through nginx with ngx_http_s3_unmask_module, broken policy set" \
            "http://127.0.0.1:$E2E_NGINX_BROKEN_PORT/upload/$sdk"
        show "SDK $sdk, Lambda Invoke API through nginx, broken policy set" \
            "http://127.0.0.1:$E2E_NGINX_BROKEN_PORT/2015-03-31/functions/upload-$sdk/invocations"
        show "SDK $sdk, through nginx after the fix (fixed policy set)" \
            "http://127.0.0.1:$E2E_NGINX_FIXED_PORT/upload/$sdk"
    done
}

main() {
    local nginx_bin module_so="" load_module="" user="" evaluator="" module_state=loaded
    local ports rc

    # one run at a time per build directory (they share $WORK)
    exec 9>"$BUILD/e2e.lock" || die "cannot open $BUILD/e2e.lock"
    flock 9 || die "cannot lock $BUILD/e2e.lock"

    ensure_node_modules

    if [ -n "${E2E_NGINX_BIN:-}" ]; then
        nginx_bin=$E2E_NGINX_BIN
        [ -f "$BUILD/ngx_http_s3_unmask_module.so" ] && module_so=$BUILD/ngx_http_s3_unmask_module.so
    elif [ "${E2E_NO_MODULE:-0}" = 1 ]; then
        nginx_bin=/usr/sbin/nginx
        module_state=none
    elif [ -n "${NGINX_SRC:-}" ]; then
        nginx_bin=$BUILD/nginx-static/sbin/nginx
    else
        nginx_bin=/usr/sbin/nginx
        module_so=$BUILD/ngx_http_s3_unmask_module.so
        [ -f "$module_so" ] || die "$module_so not built (./build.sh build)"
    fi
    [ -x "$nginx_bin" ] || die "no nginx at $nginx_bin"

    if [ "$(id -u)" = 0 ]; then
        user="user root;"
    fi

    eval "$(node "$E2E/lib/config.js" shell)" || die "cannot read lib/config.js"

    rm -rf "$WORK"
    mkdir -p "$WORK/logs" "$WORK/tmp" "$WORK/bin" || die "cannot create $WORK"

    # Run copies: a rebuild that overwrites the .so in place while nginx has
    # it mapped would crash the workers in the middle of the suite.
    if [ -n "$module_so" ]; then
        cp "$module_so" "$WORK/bin/" || die "cannot copy $module_so"
        load_module="load_module $WORK/bin/$(basename "$module_so");"
    fi
    if [ -x "$BUILD/s3-unmask" ]; then
        cp "$BUILD/s3-unmask" "$WORK/bin/" || die "cannot copy $BUILD/s3-unmask"
        evaluator=$WORK/bin/s3-unmask
    else
        log "no $BUILD/s3-unmask: the fake S3 decides from the test setup"
    fi

    mapfile -t ports < <(node "$E2E/lib/free-ports.js" 6)
    [ ${#ports[@]} -eq 6 ] || die "could not find free ports"

    export E2E_S3_BROKEN_PORT=${ports[0]} E2E_S3_FIXED_PORT=${ports[1]}
    export E2E_ADAPTER_BROKEN_PORT=${ports[2]} E2E_ADAPTER_FIXED_PORT=${ports[3]}
    export E2E_NGINX_BROKEN_PORT=${ports[4]} E2E_NGINX_FIXED_PORT=${ports[5]}
    export E2E_EVALUATOR=$evaluator E2E_MODULE=$module_state E2E_WORK=$WORK

    local set
    for set in broken fixed; do
        local s3_port adapter_port policies fallback
        s3_port=$([ $set = broken ] && echo "$E2E_S3_BROKEN_PORT" || echo "$E2E_S3_FIXED_PORT")
        adapter_port=$([ $set = broken ] && echo "$E2E_ADAPTER_BROKEN_PORT" || echo "$E2E_ADAPTER_FIXED_PORT")
        policies=$([ $set = broken ] && echo "$E2E_POLICIES_BROKEN" || echo "$E2E_POLICIES_FIXED")
        # what the incident says each set does, used only without an evaluator
        fallback=$([ $set = broken ] && echo deny || echo allow)

        start_node "fake-s3-$set" "$s3_port" "$E2E/fake-s3.js" --port "$s3_port" --set "$set" \
            --policies "$policies" --fallback "$fallback" ${evaluator:+--evaluator "$evaluator"} \
            || return 1
        start_node "adapter-$set" "$adapter_port" "$E2E/adapter.js" \
            --port "$adapter_port" --s3-port "$s3_port" || return 1
    done

    sed -e "s#@LOAD_MODULE@#$load_module#" \
        -e "s#@USER@#$user#" \
        -e "s#@WORK@#$WORK#g" \
        -e "s#@NGINX_BROKEN_PORT@#$E2E_NGINX_BROKEN_PORT#" \
        -e "s#@NGINX_FIXED_PORT@#$E2E_NGINX_FIXED_PORT#" \
        -e "s#@ADAPTER_BROKEN_PORT@#$E2E_ADAPTER_BROKEN_PORT#" \
        -e "s#@ADAPTER_FIXED_PORT@#$E2E_ADAPTER_FIXED_PORT#" \
        -e "s#@POLICIES_BROKEN@#$E2E_POLICIES_BROKEN#" \
        -e "s#@POLICIES_FIXED@#$E2E_POLICIES_FIXED#" \
        -e "s#@PRINCIPAL@#$E2E_PRINCIPAL#g" \
        -e "s#@RESOURCE@#$E2E_RESOURCE#g" \
        -e "s#@ACTION@#$E2E_ACTION#g" \
        "$E2E/nginx.conf.in" > "$WORK/nginx.conf"
    if [ $module_state = none ]; then
        sed -i -e '/s3_unmask/d' "$WORK/nginx.conf"
    fi

    if ! "$nginx_bin" -p "$WORK/" -c "$WORK/nginx.conf" -t -q > "$WORK/logs/nginx-t.log" 2>&1; then
        log "nginx rejects the configuration:"
        cat "$WORK/logs/nginx-t.log" >&2
        return 1
    fi
    "$nginx_bin" -p "$WORK/" -c "$WORK/nginx.conf" > "$WORK/logs/nginx.log" 2>&1 &
    NGINX_PID=$!
    wait_port "$E2E_NGINX_BROKEN_PORT" "$NGINX_PID" nginx || return 1
    wait_port "$E2E_NGINX_FIXED_PORT" "$NGINX_PID" nginx || return 1

    log "nginx $E2E_NGINX_BROKEN_PORT (broken) / $E2E_NGINX_FIXED_PORT (fixed), module: $module_state," \
        "evaluator: ${evaluator:-none}"

    if [ "$MODE" = transcript ]; then
        transcript
        return $?
    fi

    (cd "$E2E" && node --test --test-concurrency=1 test/*.test.js)
    rc=$?

    if [ $rc -ne 0 ]; then
        show_logs
    fi
    return $rc
}

main
rc=$?
cleanup
exit $rc
