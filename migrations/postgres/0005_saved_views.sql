-- Views a help desk user saved for themselves: a base view plus sort and filters.
CREATE TABLE saved_views (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    base_view  TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
-- Lists serve "View my tickets by create date" without sorting: one index per sort key.
CREATE INDEX tickets_open_by_created ON tickets (is_open, created_at DESC, id DESC);
