#!/bin/sh
# run.sh FUZZER SEEDS WORK SECONDS — a bounded fuzzing run as a test: the committed seeds
# (tests/fuzz/corpus/<target>) are read, new inputs go to WORK (never into the source tree),
# the mutation sequence is fixed (-seed), and any crash, leak, UBSan report or input that
# takes more than 10 s fails the test with the input saved under WORK.
set -eu
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/new"
LSAN_OPTIONS=suppressions=$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
export LSAN_OPTIONS
exec "$fuzzer" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -close_fd_mask=3 -artifact_prefix="$work/" "$work/new" "$seeds"
