-- Pipeline rules, statuses that allow creation or require properties, custom ticket
-- properties with their values, the create form's layout, and a per-ticket order for history
-- (two changes in the same millisecond keep the order they were made in).

ALTER TABLE ticket_history ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
DROP INDEX ticket_history_by_ticket;
CREATE INDEX ticket_history_by_ticket ON ticket_history (ticket_id, seq);

ALTER TABLE pipelines ADD COLUMN forbid_skipping BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pipelines ADD COLUMN forbid_backwards BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE statuses ADD COLUMN allows_creation BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX tickets_by_status ON tickets (status_id);

CREATE TABLE properties (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'multiline', 'number', 'date', 'dropdown', 'checkbox')),
    help_text  TEXT NOT NULL DEFAULT '',
    -- Dropdown choices, one per line.
    options    TEXT NOT NULL DEFAULT '',
    position   BIGINT NOT NULL,
    archived   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE status_required_properties (
    status_id   TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    property_id TEXT NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, property_id)
);

CREATE TABLE ticket_property_values (
    ticket_id   TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    property_id TEXT NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
    value       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, property_id)
);

-- One row per form ("create_ticket"); version rises by one on every save.
CREATE TABLE form_layouts (
    form       TEXT PRIMARY KEY,
    version    BIGINT NOT NULL,
    fields     TEXT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
