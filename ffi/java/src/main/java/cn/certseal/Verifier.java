package cn.certseal;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.StampedLock;

/**
 * A verifier of certseal QR payloads over the native library (the C ABI of
 * ffi/include/certseal.h): built from the signed trust list and its root certificate, with an
 * optional status snapshot and deltas, and its own worker threads for batches.
 *
 * <p>Thread-safe: any number of threads may verify at once, while others load status
 * documents. {@link #close()} waits for calls in flight and frees the native handle; a call
 * after it throws {@link IllegalStateException}. A verifier that is never closed is freed when
 * it becomes unreachable.
 *
 * <pre>{@code
 * try (Verifier v = Verifier.create(trustList, rootCert)) {
 *     v.loadStatus(snapshot);
 *     Verdict verdict = v.verify(qrText);
 *     if (!verdict.isValid()) System.out.println(verdict.reason());
 * }
 * }</pre>
 */
public final class Verifier implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int BATCH_COFACTORED = 1;

    /** The handle, freed once, by {@link #close()} or by the cleaner. */
    private static final class Handle implements Runnable {
        private long value;

        Handle(long value) {
            this.value = value;
        }

        @Override
        public synchronized void run() {
            long h = value;
            value = 0;
            if (h != 0) {
                Native.free(h);
            }
        }
    }

    private final StampedLock lock = new StampedLock();
    private final Handle handle;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    private Verifier(long h) {
        this.handle = new Handle(h);
        this.cleanable = CLEANER.register(this, handle);
    }

    /**
     * A verifier over a signed trust list and its root certificate (PEM or DER), with one
     * worker thread per CPU for batches, at the system clock's time.
     *
     * @throws CertsealException (code {@code trust}) when the root or the list is refused
     */
    public static Verifier create(byte[] trustList, byte[] rootCert) {
        return create(trustList, rootCert, 0);
    }

    /**
     * As {@link #create(byte[], byte[])} with {@code threads} workers for batches (0: one per
     * CPU; 1: batches run on the calling thread; at most 256).
     */
    public static Verifier create(byte[] trustList, byte[] rootCert, int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads: got " + threads + ", expected 0 to 256");
        }
        int[] code = new int[1];
        byte[][] message = new byte[1][];
        long h = Native.create(trustList, rootCert, threads, code, message);
        if (h == 0) {
            throw new CertsealException(code[0], Native.codeName(code[0]), utf8(message[0]));
        }
        return new Verifier(h);
    }

    /** {@link #create(byte[], byte[], int)} from files. */
    public static Verifier fromFiles(Path trustList, Path rootCert, int threads) throws IOException {
        return create(Files.readAllBytes(trustList), Files.readAllBytes(rootCert), threads);
    }

    /** The native library's version ({@code "0.1.0"}). */
    public static String libraryVersion() {
        return Native.version();
    }

    /** The native library's ABI version ({@code CERTSEAL_ABI_VERSION}). */
    public static int abiVersion() {
        return Native.abiVersion();
    }

    /** Verifies as of {@code time} from now on, on every thread. */
    public void setTime(Instant time) {
        setTime(time.getEpochSecond());
    }

    /** Verifies as of {@code epochSecond} from now on, on every thread. */
    public void setTime(long epochSecond) {
        long stamp = lock.readLock();
        try {
            check(Native.setTime(open(), epochSecond));
        } finally {
            done(stamp);
        }
    }

    /** Verifies at the system clock's time from now on (the default). */
    public void useSystemTime() {
        long stamp = lock.readLock();
        try {
            check(Native.useSystemTime(open()));
        } finally {
            done(stamp);
        }
    }

    /**
     * Loads a signed status snapshot: from now on valid payloads whose certificate version is
     * revoked or superseded, or whose signer key is revoked, are refused (stage
     * {@code "status"}). Over a loaded snapshot the new one must be newer and from the same
     * issuer.
     *
     * @throws CertsealException (code {@code status}) when refused; the list in force stays
     */
    public void loadStatus(byte[] snapshot) {
        long stamp = lock.readLock();
        try {
            check(Native.loadStatus(open(), snapshot));
        } finally {
            done(stamp);
        }
    }

    /**
     * Applies a signed status delta to the list in force.
     *
     * @throws CertsealException (code {@code status}) when refused; the list in force stays
     */
    public void applyDelta(byte[] delta) {
        long stamp = lock.readLock();
        try {
            check(Native.applyDelta(open(), delta));
        } finally {
            done(stamp);
        }
    }

    /**
     * With {@code true}, refuses payloads (reason {@code "stale"}) while the status list
     * is past its next update; with {@code false} (the default) accepts them with
     * {@link Verdict#statusStale()} set.
     */
    public void failWhenStale(boolean fail) {
        long stamp = lock.readLock();
        try {
            check(Native.failWhenStale(open(), fail));
        } finally {
            done(stamp);
        }
    }

    /** The status list in force. */
    public StatusInfo statusInfo() {
        long[] out = new long[6];
        long stamp = lock.readLock();
        try {
            check(Native.statusInfo(open(), out));
        } finally {
            done(stamp);
        }
        return new StatusInfo(out[0] != 0, out[1] != 0, out[2],
                Instant.ofEpochSecond(out[3]), Instant.ofEpochSecond(out[4]), out[5]);
    }

    /** Verifies one QR payload text. */
    public Verdict verify(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        long[] out = new long[4];
        long stamp = lock.readLock();
        try {
            check(Native.verify(open(), bytes, out));
        } finally {
            done(stamp);
        }
        return Verdict.decode(out, 0);
    }

    /**
     * Verifies one QR payload text and returns the JSON view {@code certseal verify --json}
     * prints: {@code status}, {@code reason}, {@code stage}, {@code detail}, {@code alg},
     * {@code kid} and the {@code certificate}.
     */
    public String verifyJson(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        long[] out = new long[4];
        byte[][] json = new byte[1][];
        long stamp = lock.readLock();
        try {
            check(Native.verifyJson(open(), bytes, out, json));
        } finally {
            done(stamp);
        }
        return utf8(json[0]);
    }

    /**
     * Verifies many payloads in one native call, on the verifier's worker threads, through the
     * engine's bulk path; verdicts in input order, each equal to {@link #verify(String)}'s.
     */
    public List<Verdict> verifyBatch(List<String> texts) {
        return batch(texts, 0);
    }

    /**
     * {@link #verifyBatch(List)} with Ed25519 signatures checked together by the
     * <em>cofactored</em> batch equation (specs/batch-verify.md): every verdict equals the
     * single check's except for a signature only the trusted key's holder can make.
     */
    public List<Verdict> verifyBatchCofactored(List<String> texts) {
        return batch(texts, BATCH_COFACTORED);
    }

    private List<Verdict> batch(List<String> texts, int flags) {
        int n = texts.size();
        byte[][] parts = new byte[n][];
        int[] ends = new int[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            parts[i] = texts.get(i).getBytes(StandardCharsets.UTF_8);
            total += parts[i].length;
            if (total > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("batch: more than 2 GiB of text");
            }
            ends[i] = (int) total;
        }
        byte[] all = new byte[(int) total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        long[] out = new long[4 * n];
        long stamp = lock.readLock();
        try {
            check(Native.verifyBatch(open(), all, ends, out, flags));
        } finally {
            done(stamp);
        }
        Verdict[] verdicts = new Verdict[n];
        for (int i = 0; i < n; i++) {
            verdicts[i] = Verdict.decode(out, 4 * i);
        }
        return Collections.unmodifiableList(java.util.Arrays.asList(verdicts));
    }

    /** One QR code found in an image. */
    public record ScannedCode(String text, Verdict verdict) {}

    /** What {@link #scan(byte[])} found: the codes and the JSON view. */
    public record Scan(List<ScannedCode> codes, String json) {}

    /**
     * Finds every QR code in a PNG or JPEG image and verifies each certseal payload
     * ({@link Verdict.Status#NOT_CERTSEAL} for other codes). An image without a readable code
     * gives no codes.
     *
     * @throws CertsealException (code {@code image}) for bytes that are no image within bounds
     */
    public Scan scan(byte[] image) {
        Object[] out = new Object[3];
        long stamp = lock.readLock();
        try {
            check(Native.scan(open(), image, out));
        } finally {
            done(stamp);
        }
        long[] words = (long[]) out[0];
        byte[][] texts = (byte[][]) out[1];
        List<ScannedCode> codes = new ArrayList<>(texts.length);
        for (int i = 0; i < texts.length; i++) {
            codes.add(new ScannedCode(utf8(texts[i]), Verdict.decode(words, 4 * i)));
        }
        return new Scan(Collections.unmodifiableList(codes), utf8((byte[]) out[2]));
    }

    /**
     * The status list in force.
     *
     * @param loaded        a snapshot is loaded (else the other values are 0)
     * @param failWhenStale payloads are refused while the list is stale
     * @param sequence      the registry sequence of the state in force
     * @param issuedAt      when the newest document in force was signed
     * @param nextUpdate    when a newer one is due
     * @param size          the number of status indices covered
     */
    public record StatusInfo(
            boolean loaded,
            boolean failWhenStale,
            long sequence,
            Instant issuedAt,
            Instant nextUpdate,
            long size) {}

    /** Waits for calls in flight, then frees the native handle. Idempotent. */
    @Override
    public void close() {
        long stamp = lock.writeLock();
        try {
            closed = true;
            cleanable.clean();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private long open() {
        if (closed) {
            throw new IllegalStateException("certseal: verifier is closed");
        }
        return handle.value;
    }

    private void done(long stamp) {
        lock.unlockRead(stamp);
        Reference.reachabilityFence(this);
    }

    /** Throws for a failed call; the message is read while the handle is still held. */
    private void check(int code) {
        if (code != 0) {
            throw new CertsealException(code, Native.codeName(code), utf8(Native.lastError(handle.value)));
        }
    }

    private static String utf8(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }
}
