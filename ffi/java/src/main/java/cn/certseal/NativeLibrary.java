package cn.certseal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads {@code libcertseal_jni.so} once per class loader: from the path in the system
 * property {@code certseal.native.library} when set, else from the copy packaged in this jar
 * ({@code cn/certseal/native/<os>-<arch>/}), else from {@code java.library.path}.
 */
final class NativeLibrary {
    /** The system property naming a library file to load instead of the packaged one. */
    static final String PATH_PROPERTY = "certseal.native.library";

    private NativeLibrary() {}

    static synchronized void load() {
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            System.load(Path.of(explicit).toAbsolutePath().toString());
            return;
        }
        String resource = "native/" + platform() + "/" + System.mapLibraryName("certseal_jni");
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in != null) {
                Path dir = Files.createTempDirectory("certseal-jni");
                Path file = dir.resolve(System.mapLibraryName("certseal_jni"));
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
                // The mapping stays after the file is gone (Linux, macOS); elsewhere at exit.
                if (!Files.deleteIfExists(file) || !Files.deleteIfExists(dir)) {
                    file.toFile().deleteOnExit();
                    dir.toFile().deleteOnExit();
                }
                return;
            }
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("certseal: cannot unpack " + resource + ": " + e);
        }
        try {
            System.loadLibrary("certseal_jni");
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError(
                    "certseal: no native library for " + platform() + " in the jar, in -D"
                            + PATH_PROPERTY + " or on java.library.path (build it with"
                            + " ffi/java/build-native.sh)");
            error.initCause(e);
            throw error;
        }
    }

    /** {@code linux-x86_64}, {@code linux-aarch64}, {@code macos-aarch64}, … */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux") ? "linux"
                : os.startsWith("mac") ? "macos"
                : os.startsWith("windows") ? "windows" : os.replace(' ', '_');
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return o + "-" + a;
    }
}
