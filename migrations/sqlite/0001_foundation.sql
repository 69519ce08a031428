-- Accounts, teams, sessions, pipelines, contacts, companies, tickets, conversations.
-- Timestamps are milliseconds since the Unix epoch, UTC. Ids are random 128-bit hex.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('super_admin', 'help_desk', 'service')),
    scope         TEXT NOT NULL CHECK (scope IN ('all', 'team', 'own')),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    INTEGER NOT NULL
);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id, team_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE login_failures (
    email TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures (email, at);

CREATE TABLE pipelines (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    archived   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at INTEGER NOT NULL
);

CREATE TABLE statuses (
    id          TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id),
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    category    TEXT NOT NULL CHECK (category IN ('open', 'closed')),
    archived    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX statuses_by_pipeline ON statuses (pipeline_id, position);

CREATE TABLE companies (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    domain     TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX companies_by_name ON companies (name);
CREATE INDEX companies_by_domain ON companies (domain);

CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT UNIQUE,
    phone      TEXT,
    company_id TEXT REFERENCES companies(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX contacts_by_name ON contacts (name);
CREATE INDEX contacts_by_company ON contacts (company_id);

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    pipeline_id      TEXT NOT NULL REFERENCES pipelines(id),
    status_id        TEXT NOT NULL REFERENCES statuses(id),
    is_open          BOOLEAN NOT NULL,
    owner_id         TEXT REFERENCES users(id),
    team_id          TEXT REFERENCES teams(id),
    priority         TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    source           TEXT NOT NULL CHECK (source IN ('email', 'chat', 'form', 'call', 'manual')),
    company_id       TEXT REFERENCES companies(id),
    created_by       TEXT REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL
);
-- One index per left-panel view, each ending in the keyset order (last activity, id).
CREATE INDEX tickets_open_by_activity ON tickets (is_open, last_activity_at DESC, id DESC);
CREATE INDEX tickets_owner_by_activity ON tickets (owner_id, is_open, last_activity_at DESC, id DESC);
CREATE INDEX tickets_team_by_activity ON tickets (team_id, is_open, last_activity_at DESC, id DESC);
CREATE INDEX tickets_by_company ON tickets (company_id);

CREATE TABLE ticket_contacts (
    ticket_id  TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, contact_id)
);
CREATE INDEX ticket_contacts_by_contact ON ticket_contacts (contact_id, ticket_id);

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    contact_id TEXT REFERENCES contacts(id),
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'form', 'call', 'manual')),
    created_at INTEGER NOT NULL
);
CREATE INDEX conversations_by_ticket ON conversations (ticket_id, created_at);
CREATE INDEX conversations_by_contact ON conversations (contact_id, created_at);

CREATE TABLE messages (
    id                TEXT PRIMARY KEY,
    conversation_id   TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('incoming', 'reply', 'comment')),
    author_user_id    TEXT REFERENCES users(id),
    author_contact_id TEXT REFERENCES contacts(id),
    body              TEXT NOT NULL,
    created_at        INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at);
