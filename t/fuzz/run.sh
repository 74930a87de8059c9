#!/usr/bin/env bash
#
# libFuzzer targets of the core, built with clang and
# -fsanitize=fuzzer,address,undefined (UB is fatal: -fno-sanitize-recover).
#
#   t/fuzz/run.sh BUILD_DIR [SECONDS]    fuzz every target SECONDS (default 60)
#   t/fuzz/run.sh BUILD_DIR smoke        every target over its seeds, then a
#                                        few seconds of fuzzing (./build.sh test)
#   FUZZ_TARGETS="fuzz_xml fuzz_cond" t/fuzz/run.sh ...   only those targets
#
# Everything is written under BUILD_DIR/fuzz: objects, binaries, the growing
# corpus of each target (corpus/<target>/), seeds made from the shared
# folder (seeds/<target>/), logs, and crash artifacts (artifacts/).  Seeds
# come from t/fuzz/corpus/<target>/ (committed), t/fuzz/crashes/ (regression
# inputs of fixed findings: <target>-* for one target, hash-named ones for
# all), the shared error bodies and
# scenarios ($S3U_SHARED, else ../shared next to the repository), t/corpus/
# and policies/.  Exit status: 0 when no target found anything, 1 on any
# crash, leak, UB, timeout or broken contract, 2 on a build error.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ_SRC=$ROOT/t/fuzz
# shellcheck source=../common/core.sh
. "$ROOT/t/common/core.sh"

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [SECONDS|smoke]" >&2; exit 2; }
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
MODE=${2:-60}
OUT=$BUILD/fuzz
if [ -n "${FUZZ_CFLAGS:-}" ]; then
    OUT=$BUILD/fuzz-$(printf '%s' "$FUZZ_CFLAGS" | md5sum | cut -c1-8)
fi
SHARED=${S3U_SHARED:-$ROOT/../shared}

# smoke: seconds of fuzzing per target after its seeds (11 targets, 2 cores:
# the whole smoke, build included, stays well under three minutes)
SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-5}

CC=${FUZZ_CC:-clang}
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all)
# extra compiler flags for exploration only, e.g. to look past a known
# finding: FUZZ_CFLAGS=-fno-sanitize=pointer-overflow (objects are rebuilt
# in BUILD_DIR/fuzz-<hash> so they never mix with the strict build)
read -r -a EXTRA <<< "${FUZZ_CFLAGS:-}"
SAN+=("${EXTRA[@]}")
# the core's warning policy belongs to the gcc build (build.sh): clang's
# extra warnings are not fatal there; the fuzz targets themselves are
# held to -Werror
CFLAGS=(-std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra
        -I"$ROOT/module" -I"$FUZZ_SRC")
LIBS=(-lcjson -lcrypto)

log() { printf '==> fuzz: %s\n' "$*" >&2; }
die() { printf 'fuzz: %s\n' "$*" >&2; exit 2; }

case $MODE in
    smoke) ;;
    ''|*[!0-9]*) die "SECONDS must be a number or \"smoke\", not \"$MODE\"" ;;
esac

command -v "$CC" >/dev/null || die "$CC not found (clang with libFuzzer is needed)"


# --- build -----------------------------------------------------------------


# object files in parallel (2 cores); a file is rebuilt when its source or
# any header is newer than its object
build_objects() {
    local hdr src obj list=()

    hdr=$(newest_header "$FUZZ_SRC")
    mkdir -p "$OUT/obj"
    while IFS= read -r src; do
        obj=$OUT/obj/$(basename "$(dirname "$src")")_$(basename "${src%.c}").o
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$hdr" -nt "$obj" ]; then
            list+=("$src")
        fi
    done < <(core_sources)

    [ ${#list[@]} -eq 0 ] && return 0
    log "compiling ${#list[@]} core file(s) with ASan+UBSan+coverage"
    printf '%s\n' "${list[@]}" | xargs -P "$(nproc)" -I{} sh -c '
        src=$1; shift
        obj=$OUT_DIR/obj/$(basename "$(dirname "$src")")_$(basename "${src%.c}").o
        exec "$@" -c "$src" -o "$obj"' _ {} \
        "$CC" "${CFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer-no-link \
        || die "core compilation failed"
}
export OUT_DIR=$OUT

core_objects() {
    local src
    while IFS= read -r src; do
        printf '%s\n' "$OUT/obj/$(basename "$(dirname "$src")")_$(basename "${src%.c}").o"
    done < <(core_sources)
}

build_targets() {
    local src name bin objs hdr

    mapfile -t objs < <(core_objects)
    hdr=$(newest_header "$FUZZ_SRC")
    mkdir -p "$OUT/bin"

    for name in "${TARGETS[@]}"; do
        src=$FUZZ_SRC/$name.c
        bin=$OUT/bin/$name
        if [ -f "$bin" ] && [ "$bin" -nt "$src" ] && [ "$bin" -nt "$hdr" ] \
            && [ -z "$(find "$OUT/obj" -name '*.o' -newer "$bin" -print -quit)" ]
        then
            continue
        fi
        log "linking $name"
        "$CC" "${CFLAGS[@]}" -Werror "${SAN[@]}" -fsanitize=fuzzer "$src" "${objs[@]}" \
            "${LIBS[@]}" -o "$bin" || die "building $name failed"
    done

    # the token seed maker: core + sanitizers, no fuzzer main
    bin=$OUT/bin/mkseed_token
    if [ ! -f "$bin" ] || [ "$FUZZ_SRC/mkseed_token.c" -nt "$bin" ] \
        || [ -n "$(find "$OUT/obj" -name '*.o' -newer "$bin" -print -quit)" ]
    then
        "$CC" "${CFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer-no-link \
            "$FUZZ_SRC/mkseed_token.c" "${objs[@]}" "${LIBS[@]}" -o "$bin" \
            || die "building mkseed_token failed"
    fi
}


# --- seeds -----------------------------------------------------------------

# copies a file into a seed folder under a name made from its path
seed() {
    local dir=$1 file=$2 name
    [ -f "$file" ] || return 0
    name=$(printf '%s' "${file#"$ROOT"/}" | tr -c 'A-Za-z0-9._-' '_')
    cp "$file" "$dir/$name"
}

# the body of a reference error file: what follows the "# key: value"
# header and its blank line (the whole file is a seed as well)
seed_body() {
    local dir=$1 file=$2 name
    name=$(basename "$file").body
    awk 'started { print; next } /^$/ { started = 1 }' "$file" > "$dir/$name"
}

# the JSON files of the shared scenarios and of the project's policies
json_files() {
    local f
    for f in "$SHARED"/scenarios/*.json "$ROOT"/t/corpus/*.json; do
        [ -f "$f" ] && printf '%s\n' "$f"
    done
    if [ -d "$ROOT/policies" ]; then
        find "$ROOT/policies" -name '*.json' -type f | sort
    fi
}

# a policy-set folder packed into fuzz_pset's input form: the manifest,
# then every policy file it names, flattened into the one folder the
# target unpacks to (references are rewritten to the flat names)
pack_pset() {
    local dir=$1 out=$2 manifest ref flat refs=()

    manifest=$(cat "$dir/policyset.json")
    mapfile -t refs < <(grep -o '"[^"]*\.json"' "$dir/policyset.json" \
                        | tr -d '"' | sort -u)
    for ref in "${refs[@]}"; do
        [ -f "$dir/$ref" ] || continue
        flat=$(printf '%s' "$ref" | tr -c 'A-Za-z0-9._-' '_')
        manifest=${manifest//\"$ref\"/\"$flat\"}
    done
    {
        printf '%s\n' "$manifest"
        for ref in "${refs[@]}"; do
            [ -f "$dir/$ref" ] || continue
            printf '=== %s\n' "$(printf '%s' "$ref" | tr -c 'A-Za-z0-9._-' '_')"
            cat "$dir/$ref"
            printf '\n'
        done
    } > "$out"
}

make_seeds() {
    local s=$OUT/seeds t f d n

    rm -rf "$s"
    for t in "${TARGETS[@]}"; do
        mkdir -p "$s/$t"
        # regression inputs of earlier findings: <target>-* belong to that
        # target; those named by their hash, as libFuzzer saves them, go to
        # every target (any input is a valid input of any target)
        for f in "$FUZZ_SRC"/crashes/"$t"-* \
                 "$FUZZ_SRC"/crashes/[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*; do
            seed "$s/$t" "$f"
        done
    done

    for f in "$SHARED"/reference/error-bodies/* "$ROOT"/t/corpus/*; do
        [ -f "$f" ] || continue
        case "$f" in *.md) continue ;; esac
        for t in fuzz_xml fuzz_detect fuzz_detect_parts fuzz_sfv fuzz_json_scan; do
            [ -d "$s/$t" ] || continue
            seed "$s/$t" "$f"
            seed_body "$s/$t" "$f"
        done
    done

    while IFS= read -r f; do
        for t in fuzz_json fuzz_json_scan fuzz_policy fuzz_scenario; do
            [ -d "$s/$t" ] && seed "$s/$t" "$f"
        done
    done < <(json_files)

    # every policy document held in a scenario, one seed each (jq is
    # optional: without it the whole scenario files and the committed
    # seeds remain)
    if command -v jq >/dev/null && [ -d "$s/fuzz_policy" ]; then
        n=0
        for f in "$SHARED"/scenarios/*.json; do
            [ -f "$f" ] || continue
            jq -c '.. | objects | select(has("Statement"))' "$f" 2>/dev/null \
                | while IFS= read -r d; do
                    n=$((n + 1))
                    printf '%s\n' "$d" > "$s/fuzz_policy/$(basename "$f" .json)-$n.json"
                done
        done
    fi

    # every condition clause of the scenarios, with the scenario's request
    # context, in fuzz_cond's input form
    if command -v jq >/dev/null && [ -d "$s/fuzz_cond" ]; then
        for f in "$SHARED"/scenarios/*.json; do
            [ -f "$f" ] || continue
            n=0
            jq -c '(.request.context // {}) as $c
                   | .. | objects | select(has("Condition")) | .Condition
                   | objects | to_entries[] | .key as $op
                   | .value | objects | to_entries[]
                   | [$op, .key]
                     + (.value | if type == "array" then . else [.] end
                        | map(tostring))
                     + ["--"]
                     + ($c | to_entries
                        | map(.key + "="
                              + (.value | if type == "array" then . else [.] end
                                 | map(tostring) | join("\t"))))' \
                "$f" 2>/dev/null \
            | while IFS= read -r d; do
                n=$((n + 1))
                printf '%s' "$d" | jq -r '.[]' \
                    > "$s/fuzz_cond/$(basename "$f" .json)-$n"
            done
        done
    fi

    if [ -d "$s/fuzz_pset" ] && [ -d "$ROOT/policies" ]; then
        while IFS= read -r f; do
            d=$(dirname "$f")
            pack_pset "$d" "$s/fuzz_pset/$(printf '%s' "${d#"$ROOT"/}" | tr -c 'A-Za-z0-9._-' '_')"
        done < <(find "$ROOT/policies" -name policyset.json -type f | sort)
    fi

    if [ -d "$s/fuzz_token" ]; then
        "$OUT/bin/mkseed_token" "$s/fuzz_token" || die "mkseed_token failed"
    fi
}


# --- run -------------------------------------------------------------------

# fuzz_<name>: the largest input worth trying (bodies are cut at
# s3_unmask_buffer; policies and scenarios are small files)
max_len() {
    case $1 in
        fuzz_xml|fuzz_detect*|fuzz_sfv|fuzz_json_scan) echo 16384 ;;
        fuzz_cond|fuzz_token) echo 4096 ;;
        *) echo 32768 ;;
    esac
}

run_target() {
    local t=$1 secs=$2 bin=$OUT/bin/$1 logf=$OUT/logs/$1.log rc dirs=()
    local dict=() runs execs rate cov work

    # the corpus a target grows: kept between fuzzing runs; a smoke starts
    # from the seeds alone so that its time does not grow with history
    work=$OUT/corpus/$t
    if [ "$MODE" = smoke ]; then
        work=$OUT/smoke-corpus/$t
        rm -rf "$work"
    fi
    mkdir -p "$work" "$OUT/artifacts" "$OUT/logs"
    dirs=("$work")
    [ -d "$FUZZ_SRC/corpus/$t" ] && dirs+=("$FUZZ_SRC/corpus/$t")
    [ -d "$OUT/seeds/$t" ] && dirs+=("$OUT/seeds/$t")
    [ -f "$FUZZ_SRC/$t.dict" ] && dict=(-dict="$FUZZ_SRC/$t.dict")

    rc=0
    S3U_FUZZ_TMP=$OUT/tmp \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -max_len="$(max_len "$t")" -print_final_stats=1 \
            -artifact_prefix="$OUT/artifacts/$t-" "${dict[@]}" \
            "${dirs[@]}" < /dev/null > "$logf" 2>&1 || rc=$?

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logf" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$logf" | tail -1 | cut -d' ' -f2)
    runs=$(find "$work" -type f | wc -l)

    if [ $rc -eq 0 ]; then
        printf '%-18s ok    %10s execs %7s/s  cov %6s  corpus %5s\n' \
            "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$runs"
        return 0
    fi

    printf '%-18s FAIL  exit %d after %s execs (log: %s)\n' "$t" "$rc" \
        "${execs:-?}" "$logf"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz contract broken|.*runtime error|artifact_prefix|Test unit written)' \
        "$logf" | head -8 | sed 's/^/    /'
    return 1
}


TARGETS=()
if [ -n "${FUZZ_TARGETS:-}" ]; then
    read -r -a TARGETS <<< "$FUZZ_TARGETS"
else
    for f in "$FUZZ_SRC"/fuzz_*.c; do
        TARGETS+=("$(basename "${f%.c}")")
    done
fi

build_objects
build_targets
make_seeds
rm -rf "$OUT/tmp"           # the loaders' scratch folders of earlier runs

if [ "$MODE" = smoke ]; then
    secs=$SMOKE_SECONDS
    log "smoke: ${#TARGETS[@]} targets, seeds then ${secs}s of fuzzing each"
else
    secs=$MODE
    log "fuzzing ${#TARGETS[@]} targets for ${secs}s each, one at a time"
fi

failed=0
for t in "${TARGETS[@]}"; do
    run_target "$t" "$secs" || failed=1
done

if [ $failed -ne 0 ]; then
    log "FAILED: crash inputs are in $OUT/artifacts/ (reproduce: $OUT/bin/<target> FILE)"
    exit 1
fi
log "no findings"
