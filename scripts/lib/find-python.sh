# Sourced by the scripts that need a Python of their own (test, develop, CI).
# find_python PICK MIN [BELOW]: prints the newest (PICK=newest) or oldest
# (PICK=oldest) interpreter on PATH or in pyenv whose version is >= MIN and, when
# given, < BELOW; versions as "3.13". Prints nothing when none fits.
# Zero-padded keys ("3.013.000") compare correctly as strings.
_python_version_key() {
    local IFS=.
    set -- $1
    printf '%d.%03d.%03d' "$1" "${2:-0}" "${3:-0}"
}

find_python() {
    local pick="$1" min="$2" below="${3:-}" best="" best_key="" candidate key name version
    local candidates=()
    for name in python3.14 python3.13 python3; do
        command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
    done
    if command -v pyenv >/dev/null 2>&1; then
        for version in $(pyenv versions --bare 2>/dev/null); do
            candidates+=("$(pyenv root)/versions/$version/bin/python")
        done
    fi
    for candidate in "${candidates[@]}"; do
        [ -x "$candidate" ] || continue
        key=$("$candidate" -c 'import sys; print("%d.%03d.%03d" % sys.version_info[:3])' 2>/dev/null) || continue
        [[ "$key" < "$(_python_version_key "$min")" ]] && continue
        [ -n "$below" ] && ! [[ "$key" < "$(_python_version_key "$below")" ]] && continue
        if [ -z "$best" ] \
            || { [ "$pick" = newest ] && [[ "$key" > "$best_key" ]]; } \
            || { [ "$pick" = oldest ] && [[ "$key" < "$best_key" ]]; }; then
            best="$candidate"; best_key="$key"
        fi
    done
    echo "$best"
}
