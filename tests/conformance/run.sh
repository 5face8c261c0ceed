#!/usr/bin/env bash
# Conformance: drive the emulator binary with the official Python SDKs.
#
#   tests/conformance/run.sh            (debug build; CONFORMANCE_PROFILE=release for release)
#
# Builds the emulator, makes one virtualenv per SDK version under
# target/conformance/ (pip install of the exact version), starts the emulator
# on 127.0.0.1:0 with a fast time scale, runs every script, always stops the
# emulator, and exits non-zero on any failed check.
set -u
cd "$(dirname "$0")/../.."
profile="${CONFORMANCE_PROFILE:-debug}"
python="${PYTHON:-python3}"
work="target/conformance"
mkdir -p "$work"

if [ "$profile" = "release" ]; then
    cargo build -q -p parallel-web-emulator --release || exit 1
else
    cargo build -q -p parallel-web-emulator || exit 1
fi
bin="target/$profile/parallel-web-emulator"

# One virtualenv per SDK version, reused when it already has that version.
venv_for() {
    local version="$1" venv="$work/venv-$1"
    if ! "$venv/bin/python" -c "import parallel, sys; sys.exit(parallel.__version__ != '$version')" 2>/dev/null; then
        rm -rf "$venv"
        "$python" -m venv "$venv" || return 1
        "$venv/bin/pip" install -q --disable-pip-version-check "parallel-web==$version" || return 1
    fi
    echo "$venv"
}

emu_pids=()
stop_emulators() {
    for pid in "${emu_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    emu_pids=()
}
trap stop_emulators EXIT
trap 'stop_emulators; exit 130' INT TERM

# The SDK's own variables must not leak into the emulator or the scripts.
unset PARALLEL_API_KEY PARALLEL_BASE_URL
export PYTHONDONTWRITEBYTECODE=1
key="conformance-key"

# start_emulator NAME ARGS...: starts one emulator, sets $base_url from its first stdout line.
start_emulator() {
    local name="$1" out="$work/$1.out"
    shift
    "$bin" --addr 127.0.0.1:0 --api-key "$key" --seed 7 "$@" >"$out" 2>"$work/$name.err" &
    emu_pids+=($!)
    base_url=""
    for _ in $(seq 100); do
        line="$(head -n 1 "$out" 2>/dev/null)"
        case "$line" in
            "listening on "*) base_url="${line#listening on }"; return 0 ;;
        esac
        sleep 0.1
    done
    echo "emulator $name did not start:" >&2
    cat "$work/$name.err" >&2
    return 1
}

passed=0
failed=0
run_script() {
    local version="$1" script="$2" venv log
    if ! venv="$(venv_for "$version")"; then
        echo "FAIL could not install parallel-web==$version"
        failed=$((failed + 1))
        return
    fi
    log="$work/$(basename "$script" .py).log"
    echo "== $script (parallel-web $version)"
    (cd tests/conformance && EMULATOR_BASE_URL="$base_url" EMULATOR_API_KEY="$key" \
        timeout 300 "../../$venv/bin/python" -W ignore::DeprecationWarning "$script") >"$log" 2>&1
    local status=$?
    grep -E '^(FAIL|RESULT)' "$log"
    local result
    result="$(grep -E '^RESULT' "$log" | tail -n 1)"
    if [ -z "$result" ]; then
        echo "FAIL $script crashed (exit $status); see $log"
        tail -n 20 "$log"
        failed=$((failed + 1))
        return
    fi
    local p f
    p="$(echo "$result" | sed -E 's/.*passed=([0-9]+).*/\1/')"
    f="$(echo "$result" | sed -E 's/.*failed=([0-9]+).*/\1/')"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        failed=$((failed + 1))
    fi
}

if ! start_emulator plain --time-scale 0.001; then
    echo "conformance: 0 passed, 1 failed"
    exit 1
fi
echo "emulator at $base_url"
run_script 0.5.1 seed_example_beta.py
run_script 0.5.1 beta_sdk_0_5_1.py
run_script 1.3.7 seed_example_ga.py
run_script 1.3.7 ga_sdk_1_3_7.py
run_script 0.5.1 search_extract_beta_0_5_1.py
run_script 1.3.7 search_extract_ga_1_3_7.py

if start_emulator faulty --time-scale 0 \
    --fault "status:code=429,retry-after-ms=20,times=2,path=/v1/tasks/groups" \
    --fault "ambiguous-add-runs:times=1" \
    --fault "status:code=503,retry-after-ms=20,times=1,path=/events" \
    --fault "drop-stream:after=1,times=1,path=/runs"; then
    echo "emulator with faults at $base_url"
    run_script 1.3.7 faults_ga_1_3_7.py
else
    failed=$((failed + 1))
fi

stop_emulators
echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
