#!/usr/bin/env bash
# The reliability suite at full size (tests/reliability/README.md):
#   - chaos: 100,000 inputs under faults, seeds 1, 2 and 3;
#   - late commits: 20,000 inputs, holds shorter and longer than the settle window;
#   - the bad-input tables, the hostile servers and the secrets checks;
#   - the CLI outside the envelope (part 5) with 20,000 rows;
#   - the CLI under chaos (part 6): 100,000 rows, 24 kill -9s, seeds 1, 2 and 3;
#   - every property test ("fuzz_*") for 10 minutes each, two at a time
#     (about 50 minutes for the nine of them).
# All in release builds. Sizes can be changed through the same variables CI
# leaves at their small defaults:
#   PW_CHAOS_INPUTS=100000 PW_CHAOS_SEEDS=1,2,3 PW_LATE_INPUTS=20000 PW_FUZZ_SECONDS=600 PW_CLI_ROWS=20000 tests/reliability/run.sh
#   PW_CLI_CHAOS_ROWS=100000 PW_CLI_CHAOS_KILLS=24 PW_CLI_CHAOS_SEEDS=1,2,3 tests/reliability/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

export PW_CHAOS_INPUTS="${PW_CHAOS_INPUTS:-100000}"
export PW_CHAOS_SEEDS="${PW_CHAOS_SEEDS:-1,2,3}"
export PW_LATE_INPUTS="${PW_LATE_INPUTS:-20000}"
export PW_FUZZ_SECONDS="${PW_FUZZ_SECONDS:-600}"
export PW_CLI_CHAOS_ROWS="${PW_CLI_CHAOS_ROWS:-100000}"
export PW_CLI_CHAOS_KILLS="${PW_CLI_CHAOS_KILLS:-24}"
export PW_CLI_CHAOS_SEEDS="${PW_CLI_CHAOS_SEEDS:-1,2,3}"

# The chaos and late-commit tests start the emulator binary that sits beside it.
cargo build --release --locked --package parallel-web-emulator --bin parallel-web-emulator
# The CLI chaos test runs the `parallel-web` binary beside it: built here so
# that it is the current source's, not an older build's.
cargo build --release --locked --package parallel-web-cli --bin parallel-web
# One test at a time: the chaos figures and the memory bounds are each
# test's own, not shared with a neighbour.
cargo test --release --locked --package parallel-web-tests --test reliability -- --nocapture --test-threads 1
# The emulator against the official documents (README part 2, "The official
# contract"): the whole schema-derived corpus is the full size; prints counts.
cargo test --release --locked --package parallel-web-tests --test contract -- --nocapture
# The CLI outside the envelope (README part 5) with more rows.
PW_CLI_ROWS="${PW_CLI_ROWS:-20000}" cargo test --release --locked --package parallel-web-cli --test enrich_outside_the_envelope -- --test-threads 1
# Property tests are single-threaded and CPU-bound: one per core.
cargo test --release --locked --package parallel-web --lib fuzz_ -- --nocapture --test-threads 2
cargo test --release --locked --package xtask fuzz_ -- --nocapture --test-threads 2
