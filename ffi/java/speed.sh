#!/usr/bin/env bash
# The C ABI and the Java binding beside the Rust API, one run (specs/ffi.md, "Speed"):
# ffi/examples/speed.rs (Rust API and C ABI, interleaved), then cn.certseal.Speed (Java) with
# the Rust numbers of this run, which prints the ratios. Needs the binding built and tested
# once (build-native.sh, mvn test), so the test classes exist.
#   ffi/java/speed.sh [BATCH] [THREADS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
batch=${1:-10000} threads=${2:-2} rounds=${3:-5}
rust=$(mktemp)
trap 'rm -f "$rust"' EXIT
cargo run -q --release -p certseal-ffi --example speed -- "$batch" "$threads" "$rounds" | tee "$rust"
java -cp target/maven/classes:target/maven/test-classes -Dcertseal.fixtures=ffi/tests/fixtures \
    -Dcertseal.rust="$rust" cn.certseal.Speed "$batch" "$threads" "$rounds"
