#!/usr/bin/env bash
# Builds the JNI shim (src/main/c/certseal_jni.c) into
#   ../../target/jni/cn/certseal/native/<os>-<arch>/libcertseal_jni.so,
# linked statically with the C ABI's libcertseal_ffi.a, so the jar carries one self-contained
# library. Run after `cargo build --release -p certseal-ffi`; Maven packages the result
# (pom.xml, resources). `javac -h` writes the JNI header of Native.java first, so the compiler
# checks every native signature against the Java declarations.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
lib=${CERTSEAL_FFI_LIB:-$root/target/release/libcertseal_ffi.a}
if [ ! -f "$lib" ]; then
    echo "missing $lib: run cargo build --release -p certseal-ffi first" >&2
    exit 2
fi
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) arch=$(uname -m) ;;
esac
out=$root/target/jni/cn/certseal/native/linux-$arch
headers=$root/target/jni-headers
mkdir -p "$out" "$headers"
javac -h "$headers" -d "$root/target/jni-classes" \
    src/main/java/cn/certseal/Native.java src/main/java/cn/certseal/NativeLibrary.java
# --gc-sections drops what the shim never reaches; --exclude-libs hides the archive's symbols,
# so the library exports the Java_* entry points only; -s strips debug information.
${CC:-cc} -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -pedantic \
    -I "$root/ffi/include" -I "$headers" -I "$java_home/include" -I "$java_home/include/linux" \
    src/main/c/certseal_jni.c "$lib" \
    -Wl,--gc-sections -Wl,--exclude-libs,ALL -Wl,-z,defs -s \
    -lpthread -ldl -lm -lrt -lutil -lgcc_s \
    -o "$out/libcertseal_jni.so"
echo "$out/libcertseal_jni.so"
