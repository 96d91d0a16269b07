-- certseal registry schema, version 4 (specs/registry.md, "Version 4"): four checks of every
-- bulk-issued record move from the database into the one code path that writes the row. The
-- same change as postgres/0004_checked_in_code.sql.
--
-- 1. certificates: the CHECK tying the identifier to the row's serial and version. The
--    identifier is made by the issuer from the reservation's serial and version, and
--    `issuance::record`, the only writer of certificates, compares it with the row's
--    (`store::serial_version`) before it stores the row.
-- 2. certificates.status_index → assignments. Every certificate is recorded by
--    `issuance::record` for a reservation the same process inserted or read from the store
--    (`reserve`, `claim_unfinished`, a re-issue's `next_version`), and reservations are never
--    deleted. A second certificate for one status index is still refused by the primary key.
-- 3. assignments.record_id → records. A first issue reserves records read from the store in
--    the same transaction (`pending_records_except`); records are never deleted (a
--    resubmission replaces a row in place, keeping its id). `UNIQUE (record_id)` stays.
-- 4. records.submission_id → submissions. Records are stored for a submission row inserted
--    or read in the same transaction; submissions are never deleted.
--
-- SQLite changes a table's constraints by copying it: the store runs this file with foreign
-- keys off (they are checked with `PRAGMA foreign_key_check` before the commit).

CREATE TABLE certificates_v4 (
    status_index INTEGER PRIMARY KEY,     -- a reservation's (checked by issuance::record)
    identifier TEXT NOT NULL,             -- names serial and version (checked by issuance::record)
    serial TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    predecessor INTEGER REFERENCES certificates(status_index),
    record_id INTEGER,                    -- the reservation's record, or the predecessor's
    management_number TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    qualification INTEGER NOT NULL,
    legacy INTEGER NOT NULL,
    kid BLOB NOT NULL,                    -- checked against signers by the recording transaction
    issued_at INTEGER NOT NULL,
    document BLOB NOT NULL,
    qr TEXT NOT NULL,
    UNIQUE (serial, version)
) STRICT;
INSERT INTO certificates_v4 (status_index, identifier, serial, version, kind, predecessor,
    record_id, management_number, holder_name, id_number, qualification, legacy, kid,
    issued_at, document, qr)
SELECT status_index, identifier, serial, version, kind, predecessor, record_id,
    management_number, holder_name, id_number, qualification, legacy, kid, issued_at,
    document, qr
FROM certificates ORDER BY status_index;
DROP TABLE certificates;
ALTER TABLE certificates_v4 RENAME TO certificates;
CREATE INDEX certificates_management_number ON certificates(management_number);
CREATE INDEX certificates_id_number ON certificates(id_number);
CREATE TRIGGER certificates_append_only_u BEFORE UPDATE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are append-only'); END;
CREATE TRIGGER certificates_append_only_d BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are append-only'); END;

CREATE TABLE assignments_v4 (
    status_index INTEGER PRIMARY KEY,     -- dense from 0, never reused
    serial TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    record_id INTEGER UNIQUE,             -- a record read in the reserving transaction
    predecessor INTEGER,
    certificate TEXT,                     -- re-issues: the certificate to sign; else the record's
    owner TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    reserved_at INTEGER NOT NULL
) STRICT;
INSERT INTO assignments_v4 (status_index, serial, version, kind, record_id, predecessor,
    certificate, owner, lease_until, reserved_at)
SELECT status_index, serial, version, kind, record_id, predecessor, certificate, owner,
    lease_until, reserved_at
FROM assignments ORDER BY status_index;
DROP TABLE assignments;
ALTER TABLE assignments_v4 RENAME TO assignments;

CREATE TABLE records_v4 (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL,       -- a submission inserted or read in the same transaction
    row_key TEXT NOT NULL,                -- management number, or '#row:N' without one
    row_no INTEGER NOT NULL,
    digest BLOB NOT NULL,                 -- SHA-256 of the row as submitted
    accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    management_number TEXT,               -- accepted rows
    certificate TEXT,                     -- accepted rows: the validated certificate (JSON)
    error_field TEXT,                     -- rejected rows
    error_rule TEXT,
    received_at INTEGER NOT NULL,
    UNIQUE (submission_id, row_key)
) STRICT;
INSERT INTO records_v4 (id, submission_id, row_key, row_no, digest, accepted,
    management_number, certificate, error_field, error_rule, received_at)
SELECT id, submission_id, row_key, row_no, digest, accepted, management_number, certificate,
    error_field, error_rule, received_at
FROM records ORDER BY id;
DROP TABLE records;
ALTER TABLE records_v4 RENAME TO records;
CREATE UNIQUE INDEX records_management_number ON records(management_number) WHERE accepted = 1;
