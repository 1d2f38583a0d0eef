#!/usr/bin/env bash
# Runs every libFuzzer target of a CONVSCOPE_FUZZ build for SECONDS each (./build.sh fuzz [SECONDS]).
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [TARGET...]
# Corpus: BUILD_DIR/fuzz-corpus/<t> (kept between runs) + fresh seeds (make_seeds.py) + the
# committed regressions/<t>. A crash, leak, timeout (-timeout=10 s per input), out-of-memory or UB
# stops that target, leaves the input in BUILD_DIR/fuzz-artifacts/<t>/ and makes the script fail.
# Prints one line per target with the number of executions.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
secs=${2:-60}
shift 2 || true
targets=("$@")
((${#targets[@]})) || targets=(stack npy onnx shapes project)

/usr/bin/python3 "$here/make_seeds.py" --out "$build/fuzz-seeds" || exit 1
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
summary=()
for t in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz_$t
  corpus=$build/fuzz-corpus/$t
  artifacts=$build/fuzz-artifacts/$t
  log=$build/fuzz-$t.log
  mkdir -p "$corpus" "$artifacts"
  echo "== fuzz_$t for ${secs}s (log: $log)"
  "$exe" "$corpus" "$build/fuzz-seeds/$t" "$here/regressions/$t" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=3072 -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1)
  cov=$(grep -oP '#[0-9]+\s+DONE\s+cov: \K[0-9]+' "$log" | tail -1)
  if ((rc != 0)); then
    status=1
    summary+=("fuzz_$t: FAILED (exit $rc) after ${execs:-?} executions; see $log and $artifacts/")
    grep -E 'ERROR: |runtime error|SUMMARY' "$log" | head -5
  else
    summary+=("fuzz_$t: ok, ${execs:-?} executions, coverage ${cov:-?}, corpus $(ls "$corpus" | wc -l) files")
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
