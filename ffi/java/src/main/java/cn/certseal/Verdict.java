package cn.certseal;

import java.util.OptionalLong;

/**
 * The verdict on one QR payload: the fixed-layout result of the C ABI (specs/ffi.md), as a
 * record. {@link Verifier#verifyJson} gives the full JSON view (with the certificate) for the
 * same payload.
 *
 * @param status        valid, invalid, or (from {@link Verifier#scan}) not a certseal payload
 * @param reason        why not valid, as the JSON view's machine name ({@code "signature"},
 *                      {@code "revoked"}, {@code "expired"}, …); {@code null} when valid
 * @param stage         the pipeline step that refused it ({@code "signature"},
 *                      {@code "status"}, …); {@code null} when valid
 * @param alg           the protected header's algorithm ({@code "EdDSA"}, {@code "ES256"},
 *                      {@code "SM2"}), or {@code null} when the header was not read
 * @param kid           the key identifier as 16 hex digits, or {@code null}
 * @param statusIndex   the payload's status index, when its claims were read
 * @param statusChecked a status list was loaded and consulted
 * @param statusStale   the status list in force is past its next update
 */
public record Verdict(
        Status status,
        String reason,
        String stage,
        String alg,
        String kid,
        OptionalLong statusIndex,
        boolean statusChecked,
        boolean statusStale) {

    /** Whether the payload verified. */
    public enum Status {
        /** Every check passed. */
        VALID,
        /** Some check failed: see {@link Verdict#reason()} and {@link Verdict#stage()}. */
        INVALID,
        /** A scanned QR code whose text is not a certseal payload. */
        NOT_CERTSEAL
    }

    // The C ABI's values (certseal.h).
    private static final int STATUS_VALID = 1;
    private static final int STATUS_NOT_CERTSEAL = 3;
    private static final long FLAG_HAS_KID = 1;
    private static final long FLAG_HAS_STATUS_INDEX = 1 << 1;
    private static final long FLAG_STATUS_CHECKED = 1 << 3;
    private static final long FLAG_STATUS_STALE = 1 << 4;

    private static final String[] REASONS = new String[256];
    private static final String[] STAGES = new String[256];

    static {
        for (int i = 0; i < 256; i++) {
            REASONS[i] = Native.reasonName(i);
            STAGES[i] = Native.stageName(i);
        }
    }

    /** True when {@link #status()} is {@link Status#VALID}. */
    public boolean isValid() {
        return status == Status.VALID;
    }

    /**
     * The verdict packed by the JNI shim into {@code w[at .. at+4]}: word 0 holds status (bits
     * 0–7), stage (8–15), reason (16–31) and the COSE algorithm (32–63); word 1 the flags;
     * word 2 the kid, first byte most significant; word 3 the status index.
     */
    static Verdict decode(long[] w, int at) {
        long head = w[at];
        long flags = w[at + 1];
        int status = (int) (head & 0xff);
        int stage = (int) ((head >>> 8) & 0xff);
        int reason = (int) ((head >>> 16) & 0xffff);
        int alg = (int) (head >>> 32);
        boolean valid = status == STATUS_VALID;
        boolean hasKid = (flags & FLAG_HAS_KID) != 0;
        return new Verdict(
                valid ? Status.VALID
                        : status == STATUS_NOT_CERTSEAL ? Status.NOT_CERTSEAL : Status.INVALID,
                valid ? null : reason < REASONS.length ? REASONS[reason] : Native.reasonName(reason),
                valid ? null : STAGES[stage],
                hasKid ? algName(alg) : null,
                hasKid ? hex(w[at + 2]) : null,
                (flags & FLAG_HAS_STATUS_INDEX) != 0 ? OptionalLong.of(w[at + 3]) : OptionalLong.empty(),
                (flags & FLAG_STATUS_CHECKED) != 0,
                (flags & FLAG_STATUS_STALE) != 0);
    }

    private static String algName(int cose) {
        switch (cose) {
            case -7:
                return "ES256";
            case -8:
                return "EdDSA";
            case -65538:
                return "SM2";
            default:
                return "COSE " + cose;
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static String hex(long v) {
        char[] c = new char[16];
        for (int i = 15; i >= 0; i--) {
            c[i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
        return new String(c);
    }
}
