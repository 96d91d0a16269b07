-- certseal registry schema, version 2 (specs/registry.md, "Schema version 2"): issuance
-- writes every row once. The same change as postgres/0002_write_once.sql.
--
-- 1. `assignments.issued` goes (SQLite never had `records.assigned`): a reservation is issued
--    when its certificate row exists, which the flag only repeated; unfinished reservations
--    are found with NOT EXISTS, like pending records.
-- 2. One unique index fewer per certificate: the identifier (GB/T 36904) ends in
--    `.<serial>.<version:3>.<check>`, so `UNIQUE (serial, version)` makes it unique too; a
--    CHECK ties the identifier to the row's serial and version, and a lookup by identifier
--    goes through (serial, version).
-- 3. Two foreign keys fewer per certificate: `record_id` and `kid`. The recording
--    transaction checks (and on PostgreSQL locks) the signer row itself before any
--    certificate of the chunk, and a certificate's record is its reservation's (first issue;
--    `assignments.record_id` keeps its foreign key) or its predecessor's (re-issue;
--    `predecessor` keeps its foreign key).
--
-- SQLite changes a table's constraints by copying it: the store runs this file with foreign
-- keys off (they are checked with `PRAGMA foreign_key_check` before the commit).

DROP INDEX assignments_unissued;
ALTER TABLE assignments DROP COLUMN issued;

CREATE TABLE certificates_v2 (
    status_index INTEGER PRIMARY KEY REFERENCES assignments(status_index),
    identifier TEXT NOT NULL,
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
    UNIQUE (serial, version),
    CONSTRAINT certificates_identifier_serial_version CHECK (
        substr(identifier, length(identifier) - length(serial) - 6, length(serial) + 6)
            = '.' || serial || '.' || printf('%03d', version) || '.'
    )
) STRICT;
INSERT INTO certificates_v2 (status_index, identifier, serial, version, kind, predecessor,
    record_id, management_number, holder_name, id_number, qualification, legacy, kid,
    issued_at, document, qr)
SELECT status_index, identifier, serial, version, kind, predecessor, record_id,
    management_number, holder_name, id_number, qualification, legacy, kid, issued_at,
    document, qr
FROM certificates ORDER BY status_index;
DROP TABLE certificates;
ALTER TABLE certificates_v2 RENAME TO certificates;
CREATE INDEX certificates_management_number ON certificates(management_number);
CREATE INDEX certificates_id_number ON certificates(id_number);
CREATE TRIGGER certificates_append_only_u BEFORE UPDATE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are append-only'); END;
CREATE TRIGGER certificates_append_only_d BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are append-only'); END;
