-- certseal registry schema, version 2, PostgreSQL (specs/registry.md, "Schema version 2").
-- The same change as ../0002_write_once.sql (SQLite): issuance writes every row once.
--
-- 1. No flags updated in place. A record is reserved when an assignment row names it and a
--    reservation is issued when its certificate row exists; `records.assigned` and
--    `assignments.issued` said the same thing again, and setting them cost a new tuple
--    version and its index entries per record. Pending records and unfinished reservations
--    are found with NOT EXISTS; a writer takes the status-index counter row before it looks
--    for pending records, so reservers take turns and each sees the last one's reservations.
-- 2. One unique index fewer per certificate: the identifier (GB/T 36904) ends in
--    `.<serial>.<version:3>.<check>`, so `UNIQUE (serial, version)` makes it unique too; a
--    CHECK ties the identifier to the row's serial and version, and a lookup by identifier
--    goes through (serial, version).
-- 3. Two foreign keys fewer per certificate: `record_id` and `kid`. The recording
--    transaction checks and locks the signer row itself (`ensure_signer`, before any
--    certificate of the chunk), and a certificate's record is its reservation's (first
--    issue; `assignments.record_id` keeps its foreign key) or its predecessor's (re-issue;
--    `predecessor` keeps its foreign key). `status_index` → assignments stays: it is the
--    "reserved" check.

DROP INDEX records_pending;
ALTER TABLE records DROP COLUMN assigned;

DROP INDEX assignments_unissued;
ALTER TABLE assignments DROP COLUMN issued;

ALTER TABLE certificates DROP CONSTRAINT certificates_identifier_key;
ALTER TABLE certificates ADD CONSTRAINT certificates_identifier_serial_version CHECK (
    substr(identifier, length(identifier) - length(serial) - 6, length(serial) + 6)
        = '.' || serial || '.' || lpad(version::text, 3, '0') || '.'
);
ALTER TABLE certificates DROP CONSTRAINT certificates_record_id_fkey;
ALTER TABLE certificates DROP CONSTRAINT certificates_kid_fkey;
