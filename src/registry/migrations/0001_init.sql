-- certseal registry schema, version 1 (specs/registry.md, "Schema").
-- Certificates, status changes and the audit log are append-only: triggers refuse UPDATE and
-- DELETE on them. Submission records are the one table rows of which are replaced (a corrected
-- row replaces its rejected predecessor), and each replacement is an audit entry.

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    next INTEGER NOT NULL
) STRICT;
INSERT INTO counters (name, next) VALUES ('status_index', 0), ('serial', 1);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    batch TEXT NOT NULL,
    exam TEXT,
    results_published INTEGER,            -- days since 1970-01-01
    received_at INTEGER NOT NULL,
    UNIQUE (body, batch)
) STRICT;

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
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
CREATE UNIQUE INDEX records_management_number ON records(management_number) WHERE accepted = 1;

CREATE TABLE assignments (
    status_index INTEGER PRIMARY KEY,     -- dense from 0, never reused
    serial TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    record_id INTEGER UNIQUE REFERENCES records(id),
    predecessor INTEGER,
    certificate TEXT,                     -- re-issues: the certificate to sign; else the record's
    owner TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    reserved_at INTEGER NOT NULL,
    issued INTEGER NOT NULL DEFAULT 0 CHECK (issued IN (0, 1))
) STRICT;
CREATE INDEX assignments_unissued ON assignments(status_index) WHERE issued = 0;

CREATE TABLE signers (
    kid BLOB PRIMARY KEY,
    certificate BLOB NOT NULL,            -- DER
    subject TEXT NOT NULL,
    first_used INTEGER NOT NULL
) STRICT;

CREATE TABLE certificates (
    status_index INTEGER PRIMARY KEY REFERENCES assignments(status_index),
    identifier TEXT NOT NULL UNIQUE,
    serial TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    predecessor INTEGER REFERENCES certificates(status_index),
    record_id INTEGER REFERENCES records(id),
    management_number TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    qualification INTEGER NOT NULL,
    legacy INTEGER NOT NULL,
    kid BLOB NOT NULL REFERENCES signers(kid),
    issued_at INTEGER NOT NULL,
    document BLOB NOT NULL,                -- the certificate itself: the assignment's JSON
                                           -- (re-issues) or the record's (first issues)
    qr TEXT NOT NULL,
    UNIQUE (serial, version)
) STRICT;
CREATE INDEX certificates_management_number ON certificates(management_number);
CREATE INDEX certificates_id_number ON certificates(id_number);
-- No index on kid (re-issue after a key compromise walks the table once, in index order)
-- nor on record_id (progress joins records → assignments → certificates).

CREATE TABLE status_log (
    seq INTEGER PRIMARY KEY,              -- 1, 2, 3 … dense
    status_index INTEGER REFERENCES certificates(status_index),
    kid BLOB,
    state INTEGER NOT NULL,               -- 1 superseded, 2 revoked
    reason INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    decision_body TEXT,
    decision_ref TEXT,
    decision_date INTEGER,
    note TEXT,
    CHECK ((status_index IS NULL) <> (kid IS NULL))
) STRICT;
CREATE INDEX status_log_index ON status_log(status_index, seq);

CREATE TABLE objections (
    id INTEGER PRIMARY KEY,
    status_index INTEGER NOT NULL REFERENCES certificates(status_index),
    filed_at INTEGER NOT NULL,
    filed_by TEXT NOT NULL,
    text TEXT NOT NULL,
    actor TEXT NOT NULL
) STRICT;

CREATE TABLE objection_outcomes (
    objection_id INTEGER PRIMARY KEY REFERENCES objections(id),
    resolved_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    actor TEXT NOT NULL
) STRICT;

CREATE TABLE destructions (
    status_index INTEGER PRIMARY KEY REFERENCES certificates(status_index),
    destroyed_on INTEGER NOT NULL,        -- days since 1970-01-01
    witness TEXT NOT NULL,
    note TEXT,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,              -- 1, 2, 3 … dense
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    operation TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload BLOB NOT NULL,                -- SHA-256 of the operation's payload
    prev BLOB NOT NULL,                   -- hash of the previous entry (32 zero bytes first)
    hash BLOB NOT NULL
) STRICT;

CREATE TRIGGER certificates_append_only_u BEFORE UPDATE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are append-only'); END;
CREATE TRIGGER certificates_append_only_d BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are append-only'); END;
CREATE TRIGGER status_log_append_only_u BEFORE UPDATE ON status_log
BEGIN SELECT RAISE(ABORT, 'the status log is append-only'); END;
CREATE TRIGGER status_log_append_only_d BEFORE DELETE ON status_log
BEGIN SELECT RAISE(ABORT, 'the status log is append-only'); END;
CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER objections_append_only_u BEFORE UPDATE ON objections
BEGIN SELECT RAISE(ABORT, 'objections are append-only'); END;
CREATE TRIGGER objection_outcomes_append_only_u BEFORE UPDATE ON objection_outcomes
BEGIN SELECT RAISE(ABORT, 'objection outcomes are append-only'); END;
CREATE TRIGGER destructions_append_only_u BEFORE UPDATE ON destructions
BEGIN SELECT RAISE(ABORT, 'destructions are append-only'); END;
