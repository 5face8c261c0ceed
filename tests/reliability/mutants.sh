#!/usr/bin/env bash
# Mutation testing of the modules that carry the promises (issue 19, Must 4;
# figures in tests/reliability/README.md, "7. Mutation testing").
#
# Needs cargo-mutants (`cargo install --locked cargo-mutants`). Slow (each
# mutant is a rebuild), so it is not part of .ci/run. It mutates the source
# in place (no copy of the tree or of target/): do not edit files while it
# runs; an interrupted run can leave one mutant in a file, which
# `git status` shows and `git checkout -- <file>` undoes.
#
#   tests/reliability/mutants.sh            # every module below
#   tests/reliability/mutants.sh retry sse  # only these
#   MUTANTS_ARGS=--iterate tests/reliability/mutants.sh retry
#                       # only the mutants the last run did not catch
#
# Each module is tested by the tests that guard it: its unit tests
# (`--lib`, with a name filter) or, for code only integration tests reach
# (the SDK's add_runs.rs: the `emulator` target; the CLI's submit and
# results: the `parallel-web` binary against the emulator, plus the
# binary's unit tests; the emulator's streams, validation and contract:
# its unit tests and the HTTP test targets that drive them), those test
# targets; so a mutant is built into as few test binaries as possible. Results go
# to target/mutants/<module>/mutants.out (missed.txt lists survivors).
set -euo pipefail
cd "$(dirname "$0")/../.."

# name | package | file | test target | test-binary arguments | timeout (s)
MODULES=(
  "waiter|parallel-web|crates/parallel-web/src/waiter.rs|-C --lib|--skip fuzz|20"
  "replay|parallel-web|crates/parallel-web/src/streams/replay.rs|-C --lib|--skip fuzz|20"
  "retry|parallel-web|crates/parallel-web/src/client/retry.rs|-C --lib|--skip fuzz|20"
  "resume|parallel-web|crates/parallel-web/src/streams/resume.rs|-C --lib|--skip fuzz|20"
  "sse|parallel-web|crates/parallel-web/src/streams/sse.rs|-C --lib|streams::sse|20"
  "batching|parallel-web|crates/parallel-web/src/groups/batching.rs|-C --lib|--skip fuzz|20"
  "add_runs|parallel-web|crates/parallel-web/src/groups/add_runs.rs|-C --test=emulator||60"
  "journal|parallel-web-cli|crates/parallel-web-cli/src/journal.rs|-C --bin=parallel-web|journal::|20"
  "ids|parallel-web-emulator|crates/parallel-web-emulator/src/ids.rs|-C --lib|ids::|20"
  "submit|parallel-web-cli|crates/parallel-web-cli/src/enrich/submit.rs|-C --bin=parallel-web -C --test=enrich_against_emulator -C --test=enrich_outside_the_envelope||90"
  "results|parallel-web-cli|crates/parallel-web-cli/src/enrich/results.rs|-C --bin=parallel-web -C --test=enrich_against_emulator -C --test=enrich_outside_the_envelope||90"
  "events_stream|parallel-web-emulator|crates/parallel-web-emulator/src/handlers/events_stream.rs|-C --lib -C --test=streams -C --test=validation||20"
  "runs_stream|parallel-web-emulator|crates/parallel-web-emulator/src/handlers/runs_stream.rs|-C --lib -C --test=streams -C --test=validation||20"
  "validate|parallel-web-emulator|crates/parallel-web-emulator/src/validate.rs|-C --lib -C --test=validation -C --test=runs -C --test=groups||20"
  "contract|parallel-web-emulator|crates/parallel-web-emulator/src/contract.rs|-C --lib -C --test=validation||20"
)

mkdir -p target/mutants
wanted=("$@")
for entry in "${MODULES[@]}"; do
  IFS='|' read -r name package file target args timeout <<<"$entry"
  if [[ ${#wanted[@]} -gt 0 && ! " ${wanted[*]} " =~ " $name " ]]; then
    continue
  fi
  echo "== $name ($file)"
  # The test target (`-C --lib`: on every cargo call, build and test) so
  # that only one test binary is rebuilt per mutant; `--baseline=skip`
  # assumes the tests pass unmutated (run them once first).
  # shellcheck disable=SC2086
  nice -n 10 cargo mutants --in-place --baseline=skip --timeout "$timeout" ${MUTANTS_ARGS:-} \
    -o "target/mutants/$name" -p "$package" -f "$file" \
    $target -- -- $args || true
  # A property test that fails under a mutant saves its seed: that file is
  # the mutant's, not a regression of the real code.
  git ls-files --others --exclude-standard -- '*proptest-regressions/*' | xargs -r rm --
done
