-- certseal registry schema, version 4, PostgreSQL (specs/registry.md, "Version 4"). The same
-- change as ../0004_checked_in_code.sql (SQLite): four checks of every bulk-issued record move
-- from the database into the one code path that writes the row.
--
-- 1. The CHECK tying a certificate's identifier to its serial and version: `issuance::record`,
--    the only writer of certificates, compares them (`store::serial_version`).
-- 2. certificates.status_index → assignments: every certificate is recorded for a reservation
--    its process inserted or read (reservations are never deleted); the primary key still
--    refuses a second certificate for one index. On PostgreSQL the check was an SPI query and
--    a `FOR KEY SHARE` lock on the reservation per certificate; nothing else takes a lock that
--    conflicts with it (a takeover updates owner and lease, not the key).
-- 3. assignments.record_id → records: a first issue reserves records read in the same
--    transaction (`FOR UPDATE SKIP LOCKED`, a stronger lock than the key share); records are
--    never deleted. `UNIQUE (record_id)` stays.
-- 4. records.submission_id → submissions: records are stored for a submission inserted or
--    read in the same transaction; submissions are never deleted.

ALTER TABLE certificates DROP CONSTRAINT certificates_identifier_serial_version;
ALTER TABLE certificates DROP CONSTRAINT certificates_status_index_fkey;
ALTER TABLE assignments DROP CONSTRAINT assignments_record_id_fkey;
ALTER TABLE records DROP CONSTRAINT records_submission_id_fkey;
