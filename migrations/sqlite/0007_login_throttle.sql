-- Failed logins per account and kind of client, counted atomically (one row, incremented
-- by an upsert before the password is checked) instead of one row per failure counted
-- afterwards, which let parallel guesses all pass the limit. `client` is a known device's
-- id, or '' for every client the account has not logged in from.
DROP TABLE login_failures;

CREATE TABLE login_throttle (
    email    TEXT NOT NULL,
    client   TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    PRIMARY KEY (email, client)
);
-- The sweep of quiet rows.
CREATE INDEX login_throttle_by_last_at ON login_throttle (last_at);

-- Sessions also end after a while without use (the idle timeout), and expired ones are swept.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Contacts and companies follow the ticket scope (MISSION P3): a user restricted to their
-- own or their teams' tickets sees the ones linked to those tickets, and the ones they
-- created. Rows from before have no creator.
ALTER TABLE contacts ADD COLUMN created_by TEXT;
ALTER TABLE companies ADD COLUMN created_by TEXT;

-- Company domains are unique (contacts are matched to their company by it); checked by
-- the database, so two people adding the same domain at once cannot both succeed.
CREATE UNIQUE INDEX companies_domain_unique ON companies (lower(domain));

-- A ticket's history entries are numbered one after the other, each number once.
DROP INDEX ticket_history_by_ticket;
CREATE UNIQUE INDEX ticket_history_by_ticket ON ticket_history (ticket_id, seq);

-- Who changed whose role, scope or active state, when, from what to what; admins read it.
CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   TEXT REFERENCES users(id) ON DELETE SET NULL,
    subject_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    action     TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT
);
CREATE INDEX audit_log_by_time ON audit_log (at, id);
