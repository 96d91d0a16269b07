"""certseal's verifier from Python through ctypes over the C ABI (ffi/include/certseal.h).

A small example, not a package: it loads target/release/libcertseal_ffi.so (or the file in
CERTSEAL_FFI_LIB), wraps a handle in a context manager and returns each verdict as a dict.

    cargo build --release -p certseal-ffi
    python3 examples/python/certseal_ctypes.py TRUST_LIST ROOT_CERT PAYLOADS [UNIX_SECONDS]

Exit status: 0 every payload valid, 1 some payload not valid, 2 usage or input error.
"""

import ctypes
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
STATUS = {0: "unset", 1: "valid", 2: "invalid", 3: "not_certseal"}
FLAG_HAS_KID = 1
FLAG_HAS_STATUS_INDEX = 1 << 1


class Result(ctypes.Structure):
    """CertsealResult: 32 bytes, fixed layout."""

    _fields_ = [
        ("status", ctypes.c_uint8),
        ("stage", ctypes.c_uint8),
        ("reason", ctypes.c_uint16),
        ("alg", ctypes.c_int32),
        ("flags", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("kid", ctypes.c_uint8 * 8),
        ("status_index", ctypes.c_uint64),
    ]


class Bytes(ctypes.Structure):
    """CertsealBytes: one input of a batch."""

    _fields_ = [("ptr", ctypes.c_char_p), ("len", ctypes.c_size_t)]


def load(path=None):
    """The shared library with the argument and result types of the calls used here."""
    lib = ctypes.CDLL(path or os.environ.get("CERTSEAL_FFI_LIB")
                      or os.path.join(ROOT, "target", "release", "libcertseal_ffi.so"))
    handle = ctypes.c_void_p
    lib.certseal_abi_version.restype = ctypes.c_uint32
    lib.certseal_version.restype = ctypes.c_char_p
    lib.certseal_reason_name.argtypes = [ctypes.c_uint16]
    lib.certseal_reason_name.restype = ctypes.c_char_p
    lib.certseal_stage_name.argtypes = [ctypes.c_uint8]
    lib.certseal_stage_name.restype = ctypes.c_char_p
    lib.certseal_code_name.argtypes = [ctypes.c_int32]
    lib.certseal_code_name.restype = ctypes.c_char_p
    lib.certseal_verifier_new.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint32,
        ctypes.POINTER(handle), ctypes.POINTER(ctypes.c_void_p)]
    lib.certseal_verifier_new.restype = ctypes.c_int32
    lib.certseal_verifier_free.argtypes = [handle]
    lib.certseal_verifier_free.restype = None
    lib.certseal_string_free.argtypes = [ctypes.c_void_p]
    lib.certseal_string_free.restype = None
    lib.certseal_verifier_last_error.argtypes = [handle, ctypes.c_char_p, ctypes.c_size_t]
    lib.certseal_verifier_last_error.restype = ctypes.c_size_t
    lib.certseal_verifier_set_time.argtypes = [handle, ctypes.c_int64]
    lib.certseal_verifier_set_time.restype = ctypes.c_int32
    for name in ("certseal_verifier_load_status", "certseal_verifier_apply_delta"):
        getattr(lib, name).argtypes = [handle, ctypes.c_char_p, ctypes.c_size_t]
        getattr(lib, name).restype = ctypes.c_int32
    lib.certseal_verify.argtypes = [handle, ctypes.c_char_p, ctypes.c_size_t,
                                    ctypes.POINTER(Result)]
    lib.certseal_verify.restype = ctypes.c_int32
    lib.certseal_verify_batch.argtypes = [
        handle, ctypes.POINTER(Bytes), ctypes.c_size_t, ctypes.POINTER(Result), ctypes.c_uint32,
        ctypes.c_void_p, ctypes.c_void_p]
    lib.certseal_verify_batch.restype = ctypes.c_int32
    return lib


class CertsealError(Exception):
    """A call the library refused: its code name and message."""


class Verifier:
    """A handle; use it in a `with` block so the library frees it."""

    def __init__(self, lib, trust_list, root_cert, threads=1):
        self.lib = lib
        self.handle = ctypes.c_void_p()
        error = ctypes.c_void_p()
        code = lib.certseal_verifier_new(trust_list, len(trust_list), root_cert, len(root_cert),
                                         threads, ctypes.byref(self.handle), ctypes.byref(error))
        if code != 0:
            message = ctypes.string_at(error.value).decode() if error.value else ""
            lib.certseal_string_free(error)
            raise CertsealError(f"{lib.certseal_code_name(code).decode()}: {message}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.lib.certseal_verifier_free(self.handle)
        self.handle = None

    def _check(self, code):
        if code != 0:
            n = self.lib.certseal_verifier_last_error(self.handle, None, 0)
            buf = ctypes.create_string_buffer(n + 1)
            self.lib.certseal_verifier_last_error(self.handle, buf, n + 1)
            raise CertsealError(f"{self.lib.certseal_code_name(code).decode()}: "
                                f"{buf.value.decode()}")

    def set_time(self, unix_seconds):
        self._check(self.lib.certseal_verifier_set_time(self.handle, unix_seconds))

    def load_status(self, snapshot):
        self._check(self.lib.certseal_verifier_load_status(self.handle, snapshot, len(snapshot)))

    def apply_delta(self, delta):
        self._check(self.lib.certseal_verifier_apply_delta(self.handle, delta, len(delta)))

    def _verdict(self, r):
        valid = r.status == 1
        return {
            "status": STATUS.get(r.status, "unknown"),
            "reason": None if valid else self.lib.certseal_reason_name(r.reason).decode(),
            "stage": None if valid else self.lib.certseal_stage_name(r.stage).decode(),
            "kid": bytes(r.kid).hex() if r.flags & FLAG_HAS_KID else None,
            "status_index": r.status_index if r.flags & FLAG_HAS_STATUS_INDEX else None,
        }

    def verify(self, text):
        data = text.encode("utf-8")
        r = Result()
        self._check(self.lib.certseal_verify(self.handle, data, len(data), ctypes.byref(r)))
        return self._verdict(r)

    def verify_batch(self, texts):
        data = [t.encode("utf-8") for t in texts]
        items = (Bytes * len(data))(*[Bytes(d, len(d)) for d in data])
        results = (Result * len(data))()
        self._check(self.lib.certseal_verify_batch(self.handle, items, len(data), results, 0,
                                                   None, None))
        return [self._verdict(r) for r in results]


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    lib = load()
    with open(argv[1], "rb") as f:
        trust_list = f.read()
    with open(argv[2], "rb") as f:
        root_cert = f.read()
    with open(argv[3], encoding="utf-8") as f:
        texts = [line.split("\t")[-1] for line in f.read().splitlines() if line]
    try:
        with Verifier(lib, trust_list, root_cert) as v:
            if len(argv) == 5:
                v.set_time(int(argv[4]))
            verdicts = v.verify_batch(texts)
    except CertsealError as e:
        print(e, file=sys.stderr)
        return 2
    for i, d in enumerate(verdicts, 1):
        print(i, d["status"], d["reason"] or "", d["kid"] or "")
    valid = sum(d["status"] == "valid" for d in verdicts)
    print(f"{valid} of {len(verdicts)} valid (certseal {lib.certseal_version().decode()})")
    return 0 if valid == len(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
