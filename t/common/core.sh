# Shared by build.sh, t/fuzz/run.sh and t/sanitize/run.sh (sourced, with
# ROOT set to the repository): which C files make the pure core, and the
# newest header a build of them depends on.

# the core's sources, one per line: the folders config compiles too
core_sources() {
    local d f
    for d in detect policy token metrics; do
        for f in "$ROOT"/module/$d/*.c; do
            [ -f "$f" ] && printf '%s\n' "$f"
        done
    done
}

# the newest header of the core, of the tests' shared references
# (t/common) and of the folders given
newest_header() {
    find "$ROOT/module" "$ROOT/t/common" "$@" -name '*.h' -printf '%T@ %p\n' \
        2>/dev/null | sort -n | tail -1 | cut -d' ' -f2-
}
