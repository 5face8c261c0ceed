#!/usr/bin/env bash
# Conformance: drive the emulator binary with the official Python and TypeScript SDKs.
#
#   tests/conformance/run.sh            (debug build; CONFORMANCE_PROFILE=release for release)
#
# Builds the emulator, makes one virtualenv per Python SDK version and one npm
# directory for the TypeScript SDK under target/conformance/ (exact versions),
# starts the emulator on 127.0.0.1:0 with a fast time scale, runs every script,
# always stops the emulators, and exits non-zero on any failed check.
set -u
cd "$(dirname "$0")/../.."
profile="${CONFORMANCE_PROFILE:-debug}"
python="${PYTHON:-python3}"
node="${NODE:-node}"
npm="${NPM:-npm}"
ts_version="1.3.3"
# OpenAI's SDKs, for chat completions (Parallel's docs point them at /v1beta).
openai_py_version="3.51.0"
openai_ts_version="7.55.0"
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

# The TypeScript SDK in its own directory (no dependencies of its own), reused
# when it already has that version.
ts_sdk_dir() {
    local version="$1" dir="$work/ts-$1"
    if ! (cd "$dir" 2>/dev/null && "$node" -e "process.exit(require('parallel-web/version').VERSION === '$version' ? 0 : 1)") 2>/dev/null; then
        rm -rf "$dir"
        mkdir -p "$dir" || return 1
        echo '{"private": true}' >"$dir/package.json"
        "$npm" install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "parallel-web@$version" >&2 || return 1
    fi
    echo "$dir"
}

# OpenAI's Python SDK in a virtualenv of its own, reused when it has that version.
openai_venv() {
    local version="$1" venv="$work/venv-openai-$1"
    if ! "$venv/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$version')" 2>/dev/null; then
        rm -rf "$venv"
        "$python" -m venv "$venv" || return 1
        "$venv/bin/pip" install -q --disable-pip-version-check "openai==$version" || return 1
    fi
    echo "$venv"
}

# OpenAI's TypeScript SDK in its own directory, reused when it has that version.
openai_ts_dir() {
    local version="$1" dir="$work/openai-ts-$1"
    if ! (cd "$dir" 2>/dev/null && "$node" -e "process.exit(require('openai/version').VERSION === '$version' ? 0 : 1)") 2>/dev/null; then
        rm -rf "$dir"
        mkdir -p "$dir" || return 1
        echo '{"private": true}' >"$dir/package.json"
        "$npm" install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "openai@$version" >&2 || return 1
    fi
    echo "$dir"
}

emu_pids=()
stop_emulators() {
    for pid in "${emu_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    # The TypeScript SDK in its own directory (no dependencies of its own), reused
# when it already has that version.
ts_sdk_dir() {
    local version="$1" dir="$work/ts-$1"
    if ! (cd "$dir" 2>/dev/null && "$node" -e "process.exit(require('parallel-web/version').VERSION === '$version' ? 0 : 1)") 2>/dev/null; then
        rm -rf "$dir"
        mkdir -p "$dir" || return 1
        echo '{"private": true}' >"$dir/package.json"
        "$npm" install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "parallel-web@$version" >&2 || return 1
    fi
    echo "$dir"
}

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
    # A previous run's file would announce a dead emulator's address.
    rm -f "$out"
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
# run_script VERSION SCRIPT: a .py script with that Python SDK, a .mjs script with that TypeScript SDK.
run_script() {
    local version="$1" script="$2" dir log cmd
    case "$script" in
        openai_*.py)
            if ! dir="$(openai_venv "$version")"; then
                echo "FAIL could not install openai==$version (PyPI)"
                failed=$((failed + 1))
                return
            fi
            cmd=("../../$dir/bin/python" -W ignore::DeprecationWarning "$script") ;;
        openai_*.mjs)
            if ! dir="$(openai_ts_dir "$version")"; then
                echo "FAIL could not install openai@$version (npm)"
                failed=$((failed + 1))
                return
            fi
            cmd=("$node" "$script") ;;
        *.py)
            if ! dir="$(venv_for "$version")"; then
                echo "FAIL could not install parallel-web==$version (PyPI)"
                failed=$((failed + 1))
                return
            fi
            cmd=("../../$dir/bin/python" -W ignore::DeprecationWarning "$script") ;;
        *.mjs)
            if ! dir="$(ts_sdk_dir "$version")"; then
                echo "FAIL could not install parallel-web@$version (npm)"
                failed=$((failed + 1))
                return
            fi
            cmd=("$node" "$script") ;;
    esac
    log="$work/${script%.*}.log"
    echo "== $script (SDK $version)"
    (cd tests/conformance && EMULATOR_BASE_URL="$base_url" EMULATOR_API_KEY="$key" \
        EMULATOR_LIMITED_URL="${limited_url:-}" TS_SDK_DIR="../../$dir" \
        timeout 300 "${cmd[@]}") >"$log" 2>&1
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
run_script "$ts_version" ts_sdk_1_3_3.mjs
run_script 0.5.1 search_extract_beta_0_5_1.py
run_script 1.3.7 search_extract_ga_1_3_7.py
run_script "$ts_version" search_extract_ts_1_3_3.mjs
run_script 1.3.7 findall_ga_1_3_7.py
run_script "$ts_version" findall_ts_1_3_3.mjs
run_script 1.3.7 monitors_memory_ga_1_3_7.py
run_script "$ts_version" monitors_ts_1_3_3.mjs
run_script "$openai_py_version" openai_chat_py.py
run_script "$openai_ts_version" openai_chat_ts.mjs

# run_faults VERSION SCRIPT: SCRIPT against a fresh emulator with faults
# (EMULATOR_BASE_URL) and a fresh one allowing one run-creating POST per
# minute (EMULATOR_LIMITED_URL); the faults fire a fixed number of times, so
# each script gets emulators of its own.
run_faults() {
    local version="$1" script="$2"
    if ! start_emulator "limited-${script%.*}" --time-scale 0 --rate-limit 1; then
        failed=$((failed + 1))
        return
    fi
    limited_url="$base_url"
    if ! start_emulator "faulty-${script%.*}" --time-scale 0 \
        --fault "status:code=429,retry-after-ms=20,times=3,path=/v1/tasks/groups" \
        --fault "ambiguous-add-runs:times=1" \
        --fault "status:code=503,retry-after-ms=20,times=1,path=/events" \
        --fault "drop-stream:after=1,times=1,path=/runs"; then
        failed=$((failed + 1))
        return
    fi
    echo "emulator with faults at $base_url, rate-limited one at $limited_url"
    run_script "$version" "$script"
    limited_url=""
}
run_faults 1.3.7 faults_ga_1_3_7.py
run_faults "$ts_version" faults_ts_1_3_3.mjs

stop_emulators
echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
