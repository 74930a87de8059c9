#!/usr/bin/env bash
#
# The C unit tests and the s3-unmask command under AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer, with every UB fatal
# (-fno-sanitize-recover=all).
#
#   t/sanitize/run.sh BUILD_DIR
#
# Builds the core, every t/unit/test_*.c and the command with clang into
# BUILD_DIR/asan/, then runs
#   - the unit tests through prove --exec '' (from the repository root, as
#     ./build.sh test does);
#   - s3-unmask check over the shared scenarios and the project's own;
#   - s3-unmask detect (text, --json, with --status and --header) over every
#     shared error body, t/corpus/ and the fuzzers' regression inputs;
#   - s3-unmask lint over the policy sets and scenarios, eval against each
#     policy set, and decode of tokens sealed by t/fuzz/mkseed_token.c.
# A command's own exit status (a failing scenario, "none" from detect) is
# not judged here, only that it ran clean: a sanitizer report, a signal or
# an exit status of 2 where the input is valid fails the run.
# Logs: BUILD_DIR/asan/logs/.  The shared folder is $S3U_SHARED, else
# ../shared next to the repository.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../common/core.sh
. "$ROOT/t/common/core.sh"

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
OUT=$BUILD/asan
SHARED=${S3U_SHARED:-$ROOT/../shared}
export S3U_SHARED=$SHARED

CC=${SANITIZE_CC:-clang}
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all
     -fno-omit-frame-pointer)
# no -Werror: the gcc build (build.sh) owns the warning policy; clang's
# own extra warnings are shown, not fatal
CFLAGS=(-std=gnu11 -O1 -g -Wall -Wextra -I"$ROOT/module")
LIBS=(-lcjson -lcrypto)

# a sanitizer report exits with this status, so it is told apart from the
# command's own 0, 1 and 2
SAN_EXIT=86
export ASAN_OPTIONS=detect_leaks=1:exitcode=$SAN_EXIT:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=$SAN_EXIT

log() { printf '==> sanitize: %s\n' "$*" >&2; }
die() { printf 'sanitize: %s\n' "$*" >&2; exit 2; }

command -v "$CC" >/dev/null || die "$CC not found"


# --- build -----------------------------------------------------------------


obj_of() {
    printf '%s/obj/%s_%s.o' "$OUT" "$(basename "$(dirname "$1")")" \
        "$(basename "${1%.c}")"
}

build() {
    local hdr src obj list=() objs=() cli=() name

    hdr=$(newest_header "$ROOT/t/unit")
    mkdir -p "$OUT/obj" "$OUT/unit"

    while IFS= read -r src; do
        obj=$(obj_of "$src")
        objs+=("$obj")
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$hdr" -nt "$obj" ]; then
            list+=("$src")
        fi
    done < <(core_sources; ls "$ROOT"/module/cli/*.c)

    if [ ${#list[@]} -gt 0 ]; then
        log "compiling ${#list[@]} file(s) with ASan+UBSan"
        printf '%s\n' "${list[@]}" | xargs -P "$(nproc)" -I{} sh -c '
            src=$1; shift
            obj=$OUT_DIR/obj/$(basename "$(dirname "$src")")_$(basename "${src%.c}").o
            exec "$@" -c "$src" -o "$obj"' _ {} \
            "$CC" "${CFLAGS[@]}" "${SAN[@]}" || die "compilation failed"
    fi

    # core objects: everything but the command's own files
    CORE_OBJS=()
    for obj in "${objs[@]}"; do
        case $(basename "$obj") in cli_*) cli+=("$obj") ;; *) CORE_OBJS+=("$obj") ;; esac
    done

    "$CC" "${SAN[@]}" -o "$OUT/s3-unmask" "${cli[@]}" "${CORE_OBJS[@]}" \
        "${LIBS[@]}" || die "linking s3-unmask failed"

    for src in "$ROOT"/t/unit/test_*.c; do
        [ -f "$src" ] || continue
        name=$(basename "${src%.c}")
        if [ ! -f "$OUT/unit/$name" ] || [ "$src" -nt "$OUT/unit/$name" ] \
            || [ -n "$(find "$OUT/obj" -name '*.o' -newer "$OUT/unit/$name" -print -quit)" ] \
            || [ "$hdr" -nt "$OUT/unit/$name" ]
        then
            "$CC" "${CFLAGS[@]}" "${SAN[@]}" -I"$ROOT/t/unit" -o "$OUT/unit/$name" \
                "$src" "${CORE_OBJS[@]}" "${LIBS[@]}" || die "building $name failed"
        fi
    done

    if [ -f "$ROOT/t/fuzz/mkseed_token.c" ]; then
        "$CC" "${CFLAGS[@]}" "${SAN[@]}" -o "$OUT/mkseed_token" \
            "$ROOT/t/fuzz/mkseed_token.c" "${CORE_OBJS[@]}" "${LIBS[@]}" \
            || die "building mkseed_token failed"
    fi
}
export OUT_DIR=$OUT


# --- runs ------------------------------------------------------------------

RUNS=0
BAD=0

# run ALLOWED_STATUSES CMD...: runs the command, logs it, and fails the
# suite on a sanitizer report, a signal, or a status not in the list
run() {
    local allowed=$1 rc=0 logf
    shift

    RUNS=$((RUNS + 1))
    logf=$OUT/logs/$RUNS.log
    printf '%s\n' "$*" > "$logf"
    "$@" >> "$logf" 2>&1 < /dev/null || rc=$?

    if [ $rc -eq $SAN_EXIT ] || [ $rc -ge 128 ] \
        || ! printf ' %s ' "$allowed" | grep -q " $rc "
    then
        BAD=$((BAD + 1))
        printf 'FAIL (exit %d): %s\n' "$rc" "$*"
        grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error|SUMMARY' "$logf" \
            | head -4 | sed 's/^/    /'
        printf '    log: %s\n' "$logf"
    fi
}

error_bodies() {
    local f
    for f in "$SHARED"/reference/error-bodies/* "$ROOT"/t/corpus/* \
             "$ROOT"/t/fuzz/crashes/fuzz_detect-* "$ROOT"/t/fuzz/crashes/fuzz_xml-* \
             "$ROOT"/t/fuzz/crashes/fuzz_sfv-*
    do
        [ -f "$f" ] && printf '%s\n' "$f"
    done
}

run_cli() {
    local cli=$OUT/s3-unmask f d key tok

    log "s3-unmask check"
    [ -d "$SHARED/scenarios" ] && run "0 1" "$cli" check "$SHARED/scenarios"
    [ -d "$SHARED/scenarios" ] && run "0 1" "$cli" check --json "$SHARED/scenarios"
    if [ -d "$ROOT/policies" ]; then
        run "0 1" "$cli" check "$ROOT/policies"
    fi

    log "s3-unmask detect"
    while IFS= read -r f; do
        run "0 1" "$cli" detect "$f"
        run "0 1" "$cli" detect --json --status 500 \
            --header 'Content-Type: application/xml' \
            --header 'x-amz-request-id: 4Y5GQ1WJ8W1XJ0J5' "$f"
    done < <(error_bodies)
    # run() gives commands /dev/null as stdin: the body on stdin ("-") is
    # fed here
    while IFS= read -r f; do
        RUNS=$((RUNS + 1))
        rc=0
        "$cli" detect --status 200 --header 'X-Amz-Function-Error: Unhandled' - \
            < "$f" > "$OUT/logs/$RUNS.log" 2>&1 || rc=$?
        if [ $rc -eq $SAN_EXIT ] || [ $rc -ge 128 ] || [ $rc -eq 2 ]; then
            BAD=$((BAD + 1))
            printf 'FAIL (exit %d): s3-unmask detect - < %s\n' "$rc" "$f"
        fi
    done < <(error_bodies)

    log "s3-unmask lint and eval"
    if [ -d "$ROOT/policies" ]; then
        while IFS= read -r d; do
            d=$(dirname "$d")
            run "0 1" "$cli" lint "$d"
            run "0 1" "$cli" eval --policies "$d" \
                --principal arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn \
                --action s3:PutObject \
                --resource arn:aws:s3:::corp-app-uploads/test.txt \
                --context aws:SecureTransport=true --json
            run "0 1" "$cli" eval --policies "$d" \
                --principal anonymous --action s3:GetObject \
                --resource arn:aws:s3:::corp-app-uploads/test.txt
        done < <(find "$ROOT/policies" -name policyset.json -type f | sort)
    fi
    for f in "$SHARED"/scenarios/*.json; do
        [ -f "$f" ] && run "0 1" "$cli" lint "$f"
    done

    log "s3-unmask decode"
    if [ -x "$OUT/mkseed_token" ]; then
        d=$OUT/tokens
        rm -rf "$d"
        mkdir -p "$d"
        key=$d/key
        printf '%s' 's3-unmask fuzz key, not a secret' > "$key"
        run "0" "$OUT/mkseed_token" "$d"
        for f in "$d"/sealed-*; do
            [ -f "$f" ] || continue
            tok=$(cat "$f")
            run "0" "$cli" decode --key "$key" "$tok"
            # one character changed: refused, cleanly
            run "1 2" "$cli" decode --key "$key" "${tok%?}$( [ "${tok: -1}" = A ] && echo B || echo A)"
        done
        run "1 2" "$cli" decode --key "$key" "v1.000000000000.AAAA"
        run "1 2" "$cli" decode --key "$key" ""
        run "1 2" "$cli" decode --key /nonexistent "v1.x.y"
    fi
}


# --- main ------------------------------------------------------------------

build

mkdir -p "$OUT/logs"
rm -f "$OUT"/logs/*.log

log "C unit tests (ASan+UBSan)"
unit_ok=1
(cd "$ROOT" && prove --exec '' "$OUT"/unit/test_*) || unit_ok=0

run_cli

log "$RUNS command runs, $BAD failed; unit tests $( [ $unit_ok -eq 1 ] && echo passed || echo FAILED)"
if [ $BAD -ne 0 ] || [ $unit_ok -ne 1 ]; then
    exit 1
fi
