package cn.certseal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java binding beside the Rust API (specs/ffi.md, "Speed"), run by ffi/java/speed.sh after
 * the Rust side (ffi/examples/speed.rs) of the same run: the same valid payloads as one
 * {@link Verifier#verifyBatch} call, and one {@link Verifier#verify} per payload, in rounds
 * (median). With the Rust side's {@code key=value} lines in {@code -Dcertseal.rust=FILE} it
 * prints the ratios: batch throughput against the Rust API, and the per-call overhead of a
 * JNI crossing.
 *
 * <pre>java -cp CLASSES cn.certseal.Speed BATCH THREADS ROUNDS</pre>
 */
public final class Speed {
    private Speed() {}

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = Path.of(System.getProperty("certseal.fixtures", "ffi/tests/fixtures"));
        List<String> valid = new ArrayList<>();
        for (String line : Files.readString(dir.resolve("valid.txt"), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                valid.add(line);
            }
        }
        List<String> texts = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            texts.add(valid.get(i % valid.size()));
        }
        int singles = Math.min(batch, 2_000);
        double[] batchNs = new double[rounds];
        double[] singleNs = new double[rounds];
        double[] rejectNs = new double[rounds];
        double[] crossingNs = new double[rounds];
        try (Verifier v = Verifier.create(Files.readAllBytes(dir.resolve("trust-list.cbor")),
                Files.readAllBytes(dir.resolve("root.pem")), threads)) {
            v.setTime(VerifierTest.NOW);
            // Warm-up: the JIT compiles the binding's Java side before anything is timed.
            v.verifyBatch(texts);
            for (int i = 0; i < 200_000; i++) {
                v.verify("hello");
            }
            for (int r = 0; r < rounds; r++) {
                long t = System.nanoTime();
                List<Verdict> out = v.verifyBatch(texts);
                batchNs[r] = (double) (System.nanoTime() - t) / batch;
                check(out.stream().allMatch(Verdict::isValid), "batch: a valid payload refused");

                t = System.nanoTime();
                for (int i = 0; i < singles; i++) {
                    check(v.verify(texts.get(i)).isValid(), "single: a valid payload refused");
                }
                singleNs[r] = (double) (System.nanoTime() - t) / singles;

                t = System.nanoTime();
                for (int i = 0; i < 100_000; i++) {
                    check(!v.verify("hello").isValid(), "reject: junk accepted");
                }
                rejectNs[r] = (double) (System.nanoTime() - t) / 100_000;

                // A bare JNI crossing: a native call that returns a constant.
                t = System.nanoTime();
                long sum = 0;
                for (int i = 0; i < 1_000_000; i++) {
                    sum += Native.abiVersion();
                }
                crossingNs[r] = (double) (System.nanoTime() - t) / 1_000_000;
                check(sum == 1_000_000L * Verifier.abiVersion(), "crossing: wrong ABI version");
            }
        }
        double jb = median(batchNs);
        double j1 = median(singleNs);
        double jr = median(rejectNs);
        double jc = median(crossingNs);
        System.out.printf("# java: %d valid payloads, %d threads, median of %d rounds%n", batch, threads, rounds);
        System.out.printf("java_batch_ns=%.0f%njava_single_ns=%.0f%njava_reject_ns=%.0f%njava_bare_jni_call_ns=%.1f%n", jb, j1, jr, jc);
        String rustFile = System.getProperty("certseal.rust");
        if (rustFile != null) {
            Map<String, Double> rust = new HashMap<>();
            for (String line : Files.readAllLines(Path.of(rustFile))) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    rust.put(line.substring(0, eq), Double.parseDouble(line.substring(eq + 1)));
                }
            }
            System.out.printf("java_batch_throughput_ratio=%.3f%n", rust.get("rust_batch_ns") / jb);
            System.out.printf("java_single_overhead_ns=%.0f%n", j1 - rust.get("rust_single_ns"));
            System.out.printf("java_reject_overhead_ns=%.0f%n", jr - rust.get("rust_reject_ns"));
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
