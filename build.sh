#!/usr/bin/env bash
#
# ngx-s3-unmask: every task of the project in one script.
#
#   ./build.sh deps            install what build and tests need (apt; idempotent)
#   ./build.sh build           the dynamic module and the s3-unmask command, in build/
#   ./build.sh run [CONF]      Debian's nginx with the module, foreground, 127.0.0.1:8080
#   ./build.sh test [SUITE..]  every test: unit, Test::Nginx, policies, e2e, fuzz smoke, sanitizers
#                              (or only the suites named: unit nginx valgrind policy e2e fuzz sanitize)
#   ./build.sh bench           the performance targets, as ratios in one run
#   ./build.sh load [SECONDS]  wrk on mixed traffic with reloads, RSS check (default 60 s)
#   ./build.sh fuzz [SECONDS]  every libFuzzer target for SECONDS (default 60) each
#   ./build.sh clean           remove build/ and test scratch dirs
#
# NGINX_SRC=/path/to/nginx-source ./build.sh build builds a static nginx with
# the module compiled in (build/nginx-static/sbin/nginx) instead of the .so;
# run and test then use that binary.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=t/common/core.sh
. "$ROOT/t/common/core.sh"
BUILD=$ROOT/build
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
NGX_DEV_SRC=/usr/share/nginx/src
ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so
MODULE_SO=$BUILD/ngx_http_s3_unmask_module.so
SHARED=${S3U_SHARED:-$ROOT/../shared}
CLI=$BUILD/s3-unmask

CORE_CFLAGS=(-std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -I"$ROOT/module")
CORE_LIBS=(-lcjson -lcrypto)

APT_PACKAGES=(
    build-essential nginx nginx-dev libnginx-mod-http-echo
    libcjson-dev libssl-dev
    libtest-base-perl libtest-longstring-perl libhttp-message-perl libwww-perl
    curl valgrind rsync wrk clang libclang-rt-14-dev jq python3-boto3
)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 2; }

# --- deps ----------------------------------------------------------------

cmd_deps() {
    local missing=() p

    for p in "${APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
                | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        missing+=(nodejs npm)
    fi

    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi

    [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root"
    log "installing: ${missing[*]}"
    apt-get update -qq
    # the nginx package's postinst may try to start the system service;
    # policy-rc.d decides that, and nothing here needs it running
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# --- build ---------------------------------------------------------------

# compiles one C file to an object when the source or any core header changed
compile() {
    local src=$1 obj=$2
    shift 2
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || headers_newer_than "$obj"; then
        mkdir -p "$(dirname "$obj")"
        gcc "${CORE_CFLAGS[@]}" "$@" -c "$src" -o "$obj"
    fi
}

headers_newer_than() {
    [ "$(newest_header "$ROOT/t/unit")" -nt "$1" ]
}

build_core() {
    local src obj objs=()

    while IFS= read -r src; do
        obj=$BUILD/obj/${src#"$ROOT"/module/}
        obj=${obj%.c}.o
        compile "$src" "$obj"
        objs+=("$obj")
    done < <(core_sources)

    rm -f "$BUILD/libs3u.a"
    ar rcs "$BUILD/libs3u.a" "${objs[@]}"
}

build_cli() {
    local src obj objs=()

    for src in "$ROOT"/module/cli/*.c; do
        obj=$BUILD/obj/cli/$(basename "${src%.c}").o
        compile "$src" "$obj"
        objs+=("$obj")
    done
    gcc -o "$CLI.tmp" "${objs[@]}" "$BUILD/libs3u.a" "${CORE_LIBS[@]}"
    mv -f "$CLI.tmp" "$CLI"
}

build_unit() {
    local src name obj

    mkdir -p "$BUILD/unit"
    for src in "$ROOT"/t/unit/test_*.c; do
        [ -f "$src" ] || continue
        name=$(basename "${src%.c}")
        obj=$BUILD/obj/unit/$name.o
        compile "$src" "$obj" -I"$ROOT/t/unit"
        gcc -o "$BUILD/unit/$name" "$obj" "$BUILD/libs3u.a" "${CORE_LIBS[@]}"
    done
}

# the nginx Makefile lists sources at configure time: configure again when
# the set of files (or the addon script) changes
module_fingerprint() {
    { core_sources; ls "$ROOT"/module/*.c; cat "$ROOT/config"; } | md5sum | cut -d' ' -f1
}

build_module_dynamic() {
    local ngx=$BUILD/ngx fp

    fp=$(module_fingerprint)
    if [ ! -f "$ngx/Makefile" ] || [ "$(cat "$ngx/.fingerprint" 2>/dev/null)" != "$fp" ]; then
        log "configuring the dynamic module against $NGX_DEV_SRC"
        rm -rf "$ngx"
        mkdir -p "$ngx"
        (
            cd "$NGX_DEV_SRC"
            # shellcheck disable=SC1091
            . ./conf_flags
            ./configure \
                --with-cc-opt="$(dpkg-buildflags --get CFLAGS) -fPIC $(dpkg-buildflags --get CPPFLAGS)" \
                --with-ld-opt="$(dpkg-buildflags --get LDFLAGS) -fPIC" \
                "${NGX_CONF_FLAGS[@]}" \
                --add-dynamic-module="$ROOT" \
                --builddir="$ngx"
        ) > "$ngx.configure.log" 2>&1 || {
            tail -30 "$ngx.configure.log" >&2
            die "configure failed (log: $ngx.configure.log)"
        }
        echo "$fp" > "$ngx/.fingerprint"
    fi

    make -s -j"$(nproc)" -f "$ngx/Makefile" -C "$NGX_DEV_SRC" modules >/dev/null
    # a running nginx maps the old file: replace it, never overwrite it
    cp "$ngx/ngx_http_s3_unmask_module.so" "$MODULE_SO.tmp"
    mv -f "$MODULE_SO.tmp" "$MODULE_SO"
}

build_module_static() {
    local prefix=$BUILD/nginx-static

    [ -x "$NGINX_SRC/configure" ] || die "NGINX_SRC=$NGINX_SRC has no configure script"
    log "building a static nginx from $NGINX_SRC"
    (
        cd "$NGINX_SRC"
        ./configure --prefix="$prefix" --with-debug --with-compat \
            --with-http_ssl_module --with-http_sub_module \
            --with-http_addition_module --with-http_v2_module \
            --add-module="$ROOT"
        make -j"$(nproc)"
        make install
    ) > "$BUILD/nginx-static.log" 2>&1 || {
        tail -30 "$BUILD/nginx-static.log" >&2
        die "static build failed (log: $BUILD/nginx-static.log)"
    }
}

cmd_build() {
    mkdir -p "$BUILD"
    build_core
    build_cli
    if [ -n "${NGINX_SRC:-}" ]; then
        build_module_static
    else
        build_module_dynamic
    fi
    log "built $( [ -n "${NGINX_SRC:-}" ] && echo "$BUILD/nginx-static/sbin/nginx" || echo "$MODULE_SO") and $CLI"
}

# which nginx to run, and the load_module lines it needs
nginx_binary() {
    if [ -n "${NGINX_SRC:-}" ]; then
        echo "$BUILD/nginx-static/sbin/nginx"
    else
        echo "$NGINX_BIN"
    fi
}

load_modules() {
    if [ -z "${NGINX_SRC:-}" ]; then
        echo "$ECHO_MODULE $MODULE_SO"
    else
        echo "$ECHO_MODULE"
    fi
}

# --- run -----------------------------------------------------------------

cmd_run() {
    local conf=${1:-} prefix=$BUILD/run m globals=""

    cmd_deps
    cmd_build
    mkdir -p "$prefix/logs" "$prefix/tmp" "$prefix/conf"

    for m in $(load_modules); do
        globals="${globals}load_module $m; "
    done

    if [ -z "$conf" ]; then
        sed -e "s#@ROOT@#$ROOT#g" -e "s#@PREFIX@#$prefix#g" \
            -e "s#@POLICYSET@#${S3U_DEMO_POLICIES:-broken}#g" \
            "$ROOT/t/demo/nginx.conf" > "$prefix/conf/nginx.conf"
        conf=$prefix/conf/nginx.conf
        log "demo gateway on http://127.0.0.1:8080 (Ctrl-C stops it); try:"
        log "  curl -si -X PUT --data-binary hello http://127.0.0.1:8080/upload/file.txt"
    else
        conf=$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")
    fi

    "$(nginx_binary)" -p "$prefix/" -c "$conf" -g "${globals}daemon off;" -t -q
    exec "$(nginx_binary)" -p "$prefix/" -c "$conf" -g "${globals}daemon off;"
}

# --- test ----------------------------------------------------------------

cmd_test() {
    local passed=0 failed=0 suite suites=(unit nginx valgrind policy e2e fuzz sanitize)

    for suite in "$@"; do
        [[ " ${suites[*]} " == *" $suite "* ]] || die "no test suite '$suite' (${suites[*]})"
    done
    [ $# -eq 0 ] || suites=("$@")

    cmd_deps
    cmd_build
    build_unit

    for suite in "${suites[@]}"; do
        if test_suite "$suite"; then
            passed=$((passed + 1))
        else
            log "FAILED: $suite"
            failed=$((failed + 1))
        fi
    done

    # one closing line for people and for CI
    echo "suites: $passed passed, $failed failed"
    [ $failed -eq 0 ]
}

test_suite() {
    case "$1" in
    unit)
        log "C unit tests"
        (cd "$ROOT" && prove --exec '' "$BUILD"/unit/test_*)
        ;;
    nginx)
        log "Test::Nginx suite"
        run_prove -r t
        ;;
    valgrind)
        # memcheck on every request of the suite; findings fail the run
        log "Test::Nginx suite under valgrind memcheck"
        TEST_NGINX_USE_VALGRIND=1 \
        TEST_NGINX_VALGRIND_SUPPRESS=$SHARED/reference/valgrind.suppress.debian12-nginx \
        TEST_NGINX_SERVROOT=$ROOT/t/servroot_valgrind \
            run_prove t/*.t
        ;;
    policy)
        log "policy sets and scenarios"
        "$ROOT/t/policy/run.sh" "$BUILD"
        ;;
    e2e)
        log "end to end (real AWS SDKs)"
        "$ROOT/t/e2e/run.sh" "$BUILD"
        ;;
    fuzz)
        log "fuzz smoke (libFuzzer, ASan, UBSan)"
        "$ROOT/t/fuzz/run.sh" "$BUILD" smoke
        ;;
    sanitize)
        log "unit tests and the command under ASan and UBSan"
        "$ROOT/t/sanitize/run.sh" "$BUILD"
        ;;
    esac
}

# prove with the environment of the Test::Nginx suite; the fallback runner
# goes on PERL5LIB only when CPAN's Test::Nginx is not installed
run_prove() {
    local perl5lib=${PERL5LIB:-}

    if ! perl -MTest::Nginx::Socket -e1 2>/dev/null; then
        perl5lib=$ROOT/t/lib${perl5lib:+:$perl5lib}
    fi

    (
        cd "$ROOT"
        PERL5LIB=$perl5lib \
        PATH=$(dirname "$(nginx_binary)"):$PATH \
        TEST_NGINX_BINARY=$(nginx_binary) \
        TEST_NGINX_LOAD_MODULES=$(load_modules) \
        S3U_ROOT=$ROOT S3U_BUILD=$BUILD \
            prove "$@"
    )
}

cmd_clean() {
    rm -rf "$BUILD" "$ROOT"/t/servroot*
}

main() {
    local cmd=${1:-}

    [ $# -gt 0 ] && shift
    case "$cmd" in
        deps)  cmd_deps ;;
        build) cmd_deps; cmd_build ;;
        run)   cmd_run "$@" ;;
        test)  cmd_test "$@" ;;
        bench) cmd_deps; cmd_build; "$ROOT/t/bench/run.sh" "$BUILD" ;;
        load)  cmd_deps; cmd_build; "$ROOT/t/load/run.sh" "$BUILD" "${1:-60}" ;;
        fuzz)  cmd_deps; cmd_build; "$ROOT/t/fuzz/run.sh" "$BUILD" "${1:-60}" ;;
        clean) cmd_clean ;;
        *)
            sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//' >&2
            exit 2
            ;;
    esac
}

main "$@"
