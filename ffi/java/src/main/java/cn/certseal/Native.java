package cn.certseal;

/**
 * The JNI entry points of {@code libcertseal_jni.so} (src/main/c/certseal_jni.c), a thin shim
 * over the C ABI of ffi/include/certseal.h. Package-private: {@link Verifier} is the API.
 *
 * <p>Every call that can fail returns the C ABI's code (0 is success); the message of a
 * failed call on a handle comes from {@link #lastError}. Texts cross as UTF-8 bytes and
 * verdicts as four longs each (see {@link Verdict#decode}), so no call allocates a Java object
 * per payload inside native code.
 */
final class Native {
    static {
        NativeLibrary.load();
    }

    private Native() {}

    static native int abiVersion();

    static native String version();

    static native String reasonName(int reason);

    static native String stageName(int stage);

    static native String codeName(int code);

    /** A handle, or 0 with {@code code[0]} and {@code message[0]} set. */
    static native long create(
            byte[] trustList, byte[] rootCert, int threads, int[] code, byte[][] message);

    static native void free(long handle);

    static native byte[] lastError(long handle);

    static native int setTime(long handle, long unixSeconds);

    static native int useSystemTime(long handle);

    static native int loadStatus(long handle, byte[] snapshot);

    static native int applyDelta(long handle, byte[] delta);

    static native int failWhenStale(long handle, boolean fail);

    /** {@code out}: loaded, fail_when_stale, sequence, issued_at, next_update, size. */
    static native int statusInfo(long handle, long[] out);

    /** One verdict into {@code out[0..4]}. */
    static native int verify(long handle, byte[] text, long[] out);

    /** One verdict into {@code out[0..4]} and its JSON view (UTF-8) into {@code json[0]}. */
    static native int verifyJson(long handle, byte[] text, long[] out, byte[][] json);

    /**
     * {@code ends.length} payloads: payload {@code i} is {@code texts[ends[i-1] .. ends[i])}
     * (from 0 for the first). Verdicts into {@code out[4i .. 4i+4]}.
     */
    static native int verifyBatch(long handle, byte[] texts, int[] ends, long[] out, int flags);

    /**
     * The codes of an image: {@code out[0]} a long[] of four longs per code, {@code out[1]} a
     * byte[][] of their UTF-8 texts, {@code out[2]} the JSON view (UTF-8).
     */
    static native int scan(long handle, byte[] image, Object[] out);
}
