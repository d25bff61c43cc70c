-- The auditor role: reads the whole log, entry bundles included, but
-- records and purges nothing.
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check CHECK (role IN ('writer', 'reader', 'auditor', 'admin'));
