package cn.certseal;

/**
 * A call the library refused: a trust list or root certificate that does not verify, a status
 * snapshot or delta that is refused (the list in force stays), an image that cannot be
 * decoded. A payload that is not valid is no exception: its {@link Verdict} says why.
 */
public final class CertsealException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String codeName;

    CertsealException(int code, String codeName, String message) {
        super(codeName + ": " + message);
        this.code = code;
        this.codeName = codeName;
    }

    /** The C ABI's return code ({@code CERTSEAL_CODE_*} in certseal.h). */
    public int code() {
        return code;
    }

    /** The code's name: {@code "trust"}, {@code "status"}, {@code "image"}, … */
    public String codeName() {
        return codeName;
    }
}
