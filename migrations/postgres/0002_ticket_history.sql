-- Every change to a ticket: who, when, which field, old and new value.
CREATE TABLE ticket_history (
    id        TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    user_id   TEXT REFERENCES users(id),
    field     TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    at        BIGINT NOT NULL
);
CREATE INDEX ticket_history_by_ticket ON ticket_history (ticket_id, at);
