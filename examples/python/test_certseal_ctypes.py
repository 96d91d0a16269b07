"""The ctypes example on the shared fixtures (ffi/tests/fixtures): every payload's verdict in
every status state, batch equal to single, and a refused trust list.

    python3 -m unittest discover -s examples/python -v
"""

import os
import unittest

import certseal_ctypes as cs

FIXTURES = os.path.join(cs.ROOT, "ffi", "tests", "fixtures")
NOW = 1_795_651_200


def read(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def cases():
    out = []
    for line in read("payloads.tsv").decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, none, snapshot, delta, text = line.split("\t")
            out.append((name, (none, snapshot, delta), text))
    return out


def name(d):
    return "valid" if d["status"] == "valid" else f"{d['reason']}@{d['stage']}"


class CtypesExample(unittest.TestCase):
    lib = cs.load()

    def verifier(self, loaded):
        v = cs.Verifier(self.lib, read("trust-list.cbor"), read("root.pem"), threads=2)
        v.set_time(NOW)
        if loaded >= 1:
            v.load_status(read("status-snapshot.cbor"))
        if loaded >= 2:
            v.apply_delta(read("status-delta.cbor"))
        return v

    def test_every_payload_gets_its_verdict_in_every_status_state(self):
        for loaded in range(3):
            with self.verifier(loaded) as v:
                for case, expect, text in cases():
                    self.assertEqual(expect[loaded], name(v.verify(text)), f"{case} {loaded}")

    def test_a_batch_equals_the_single_verdicts(self):
        texts = [text for _, _, text in cases()] * 50
        with self.verifier(2) as v:
            batch = v.verify_batch(texts)
            self.assertEqual(len(texts), len(batch))
            for text, d in zip(texts, batch):
                self.assertEqual(v.verify(text), d)
            self.assertTrue(any(d["status"] == "valid" for d in batch))
            self.assertTrue(any(d["reason"] == "revoked" for d in batch))

    def test_a_tampered_trust_list_is_refused_with_its_message(self):
        bad = bytearray(read("trust-list.cbor"))
        bad[-1] ^= 1
        with self.assertRaises(cs.CertsealError) as e:
            cs.Verifier(self.lib, bytes(bad), read("root.pem"))
        self.assertTrue(str(e.exception).startswith("trust: trust list: "), str(e.exception))

    def test_a_refused_delta_keeps_the_message_per_handle(self):
        with self.verifier(0) as v:
            with self.assertRaises(cs.CertsealError) as e:
                v.apply_delta(read("status-delta.cbor"))
            self.assertIn("no snapshot loaded", str(e.exception))

    def test_versions(self):
        self.assertEqual(1, self.lib.certseal_abi_version())
        self.assertEqual(b"0.1.0", self.lib.certseal_version())


if __name__ == "__main__":
    unittest.main()
