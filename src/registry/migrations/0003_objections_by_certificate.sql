-- certseal registry schema, version 3 (specs/registry.md, "Schema version 3"): an index on
-- objections by certificate. Every lookup asks whether a version has objections (art. 25)
-- and `objection_history` reads them by status index; without it each such question read
-- the whole table. The same change as postgres/0003_objections_by_certificate.sql.

CREATE INDEX objections_status_index ON objections(status_index);
