package cn.certseal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The binding on the shared fixtures (ffi/tests/fixtures, written by
 * ffi/examples/gen-fixtures.rs): valid, tampered and revoked payloads in every status state, a
 * batch of 10,000, the JSON view, scans, errors, closing, and many threads on one verifier.
 */
class VerifierTest {
    /** The fixtures' clock: 2026-11-26T00:00:00Z. */
    static final long NOW = 1_795_651_200L;

    static final Path DIR = Path.of(System.getProperty("certseal.fixtures", "../tests/fixtures"));

    static byte[] read(String name) {
        try {
            return Files.readAllBytes(DIR.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line of payloads.tsv: expectations with no status, the snapshot, and the delta. */
    record Case(String name, String[] expect, String text) {}

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (String line : new String(read("payloads.tsv"), StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            assertEquals(5, f.length, line);
            out.add(new Case(f[0], new String[] {f[1], f[2], f[3]}, f[4]));
        }
        return out;
    }

    static Case named(String name) {
        return cases().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    /** A verifier at the fixtures' time with {@code loaded} status documents (0, 1 or 2). */
    static Verifier verifier(int threads, int loaded) {
        Verifier v = Verifier.create(read("trust-list.cbor"), read("root.pem"), threads);
        v.setTime(NOW);
        if (loaded >= 1) {
            v.loadStatus(read("status-snapshot.cbor"));
        }
        if (loaded >= 2) {
            v.applyDelta(read("status-delta.cbor"));
        }
        return v;
    }

    static String name(Verdict v) {
        return v.isValid() ? "valid" : v.reason() + "@" + v.stage();
    }

    @Test
    void validTamperedAndRevokedPayloadsGetTheirVerdictsInEveryStatusState() {
        for (int loaded = 0; loaded < 3; loaded++) {
            try (Verifier v = verifier(1, loaded)) {
                for (Case c : cases()) {
                    assertEquals(c.expect()[loaded], name(v.verify(c.text())), c.name() + " " + loaded);
                }
            }
        }
    }

    @Test
    void aValidVerdictCarriesAlgKidAndStatusIndex() {
        try (Verifier v = verifier(1, 2)) {
            Verdict d = v.verify(named("valid-4").text());
            assertEquals(Verdict.Status.VALID, d.status());
            assertNull(d.reason());
            assertNull(d.stage());
            assertEquals("EdDSA", d.alg());
            assertEquals(16, d.kid().length());
            assertEquals(OptionalLong.of(4), d.statusIndex());
            assertTrue(d.statusChecked());
            assertFalse(d.statusStale());
            // A record: equal by value.
            assertEquals(d, v.verify(named("valid-4").text()));

            Verdict revoked = v.verify(named("revoked-3").text());
            assertEquals(Verdict.Status.INVALID, revoked.status());
            assertEquals("revoked", revoked.reason());
            assertEquals("status", revoked.stage());
            Verdict tampered = v.verify(named("tampered-holder-name").text());
            assertEquals("signature", tampered.reason());
            assertEquals(d.kid(), tampered.kid());
            Verdict junk = v.verify("hello");
            assertEquals("bad_prefix", junk.reason());
            assertNull(junk.kid());
            assertEquals(OptionalLong.empty(), junk.statusIndex());
        }
    }

    @Test
    void aBatchOfTenThousandEqualsTheSingleVerdicts() {
        List<Case> cases = cases();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            texts.add(cases.get(i % cases.size()).text());
        }
        try (Verifier v = verifier(2, 2)) {
            List<Verdict> batch = v.verifyBatch(texts);
            List<Verdict> cofactored = v.verifyBatchCofactored(texts);
            assertEquals(10_000, batch.size());
            int valid = 0;
            for (int i = 0; i < texts.size(); i++) {
                Case c = cases.get(i % cases.size());
                assertEquals(c.expect()[2], name(batch.get(i)), c.name() + " at " + i);
                assertEquals(batch.get(i), cofactored.get(i), c.name() + " at " + i);
                valid += batch.get(i).isValid() ? 1 : 0;
            }
            long expected = texts.stream().filter(t -> cases.stream()
                    .anyMatch(c -> c.text().equals(t) && c.expect()[2].equals("valid"))).count();
            assertEquals(expected, valid);
            assertTrue(v.verifyBatch(List.of()).isEmpty());
        }
    }

    @Test
    void theJsonViewIsTheCliView() {
        try (Verifier v = verifier(1, 2)) {
            String json = v.verifyJson(named("valid-0").text());
            assertTrue(json.startsWith("{"), json);
            assertTrue(json.contains("\"status\":\"valid\""), json);
            assertTrue(json.contains("\"name\":\"王建国\""), json);
            assertTrue(json.contains("\"status_list\":{"), json);
            String revoked = v.verifyJson(named("revoked-by-delta-7").text());
            assertTrue(revoked.contains("\"reason\":\"revoked\""), revoked);
            assertTrue(revoked.contains("\"detail\":\"status index 7 revoked (withdrawn)\""), revoked);
        }
    }

    @Test
    void staleStatusIsFlaggedThenRefusedOnRequest() {
        try (Verifier v = verifier(1, 1)) {
            v.setTime(Instant.ofEpochSecond(NOW + 2 * 86_400));
            Verdict stale = v.verify(named("valid-0").text());
            assertTrue(stale.isValid());
            assertTrue(stale.statusStale());
            v.failWhenStale(true);
            assertTrue(v.statusInfo().failWhenStale());
            assertEquals("stale@status", name(v.verify(named("valid-0").text())));
        }
    }

    @Test
    void statusInfoAndRefusedDocuments() {
        try (Verifier v = verifier(1, 0)) {
            assertFalse(v.statusInfo().loaded());
            CertsealException noSnapshot =
                    assertThrows(CertsealException.class, () -> v.applyDelta(read("status-delta.cbor")));
            assertEquals("status", noSnapshot.codeName());
            assertTrue(noSnapshot.getMessage().contains("no snapshot loaded"), noSnapshot.getMessage());
            v.loadStatus(read("status-snapshot.cbor"));
            Verifier.StatusInfo info = v.statusInfo();
            assertTrue(info.loaded());
            assertEquals(10, info.sequence());
            assertEquals(64, info.size());
            assertEquals(Instant.ofEpochSecond(NOW + 86_400), info.nextUpdate());
            CertsealException rollback =
                    assertThrows(CertsealException.class, () -> v.loadStatus(read("status-snapshot.cbor")));
            assertTrue(rollback.getMessage().contains("sequence: got 10"), rollback.getMessage());
            assertEquals(10, v.statusInfo().sequence(), "the list in force stays");
        }
    }

    @Test
    void aRefusedTrustListThrowsWithCodeAndMessage() {
        byte[] list = read("trust-list.cbor");
        list[list.length - 1] ^= 1;
        CertsealException e = assertThrows(CertsealException.class,
                () -> Verifier.create(list, read("root.pem"), 1));
        assertEquals(3, e.code());
        assertEquals("trust", e.codeName());
        assertTrue(e.getMessage().startsWith("trust: trust list: "), e.getMessage());
        assertThrows(CertsealException.class,
                () -> Verifier.create(read("trust-list.cbor"), read("root.pem"), 1000));
        assertThrows(IllegalArgumentException.class,
                () -> Verifier.create(read("trust-list.cbor"), read("root.pem"), -1));
    }

    @Test
    void scanVerifiesTheCodesOfAPhoto() {
        try (Verifier v = verifier(1, 2)) {
            Verifier.Scan scan = v.scan(read("qr-valid.png"));
            assertEquals(1, scan.codes().size());
            assertEquals(named("valid-0").text(), scan.codes().get(0).text());
            assertTrue(scan.codes().get(0).verdict().isValid());
            assertTrue(scan.json().contains("\"codes\":["), scan.json());
            Verifier.Scan other = v.scan(read("qr-other.png"));
            assertEquals(Verdict.Status.NOT_CERTSEAL, other.codes().get(0).verdict().status());
            assertEquals("HTTPS://EXAMPLE.ORG/NOT-A-CERTIFICATE", other.codes().get(0).text());
            CertsealException e = assertThrows(CertsealException.class,
                    () -> v.scan("not an image".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("image", e.codeName());
        }
    }

    @Test
    void aClosedVerifierRefusesCallsAndClosesTwice() {
        Verifier v = verifier(1, 0);
        v.close();
        v.close();
        assertThrows(IllegalStateException.class, () -> v.verify(named("valid-0").text()));
        assertThrows(IllegalStateException.class, () -> v.verifyBatch(List.of("x")));
    }

    @Test
    void oneVerifierServesManyThreadsWhileStatusChanges() throws Exception {
        List<Case> cases = cases();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Verifier v = verifier(2, 0)) {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        Case c = cases.get((seed * 31 + i) % cases.size());
                        String got = name(v.verify(c.text()));
                        // Whatever the status state at this instant, one of its three verdicts.
                        assertTrue(List.of(c.expect()).contains(got), c.name() + ": " + got);
                    }
                }));
            }
            work.add(pool.submit(() -> {
                v.loadStatus(read("status-snapshot.cbor"));
                v.applyDelta(read("status-delta.cbor"));
            }));
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(11, v.statusInfo().sequence());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theLibraryReportsItsVersions() {
        assertEquals(1, Verifier.abiVersion());
        assertEquals("0.1.0", Verifier.libraryVersion());
    }
}
