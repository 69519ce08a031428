-- Replying (issue 11): ticket numbers, the RFC 5322 identity and recipients of messages,
-- drafts kept on the server, the outbox that delivers replies, and email channels.

-- Every ticket gets a short human number (#1042), sequential and unique across instances:
-- the next one is taken from a counter row inside the transaction that inserts the ticket.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
ALTER TABLE tickets ADD COLUMN number BIGINT;
UPDATE tickets SET number = numbered.n + 1000
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM tickets) AS numbered
WHERE numbered.id = tickets.id;
ALTER TABLE tickets ALTER COLUMN number SET NOT NULL;
CREATE UNIQUE INDEX tickets_by_number ON tickets (number);
INSERT INTO counters (name, value) SELECT 'ticket_number', COALESCE(MAX(number), 1000) FROM tickets;

-- Email channels: a team address with its outgoing server. The password is encrypted with
-- a key from the environment (never stored or sent back in the clear).
CREATE TABLE email_channels (
    id              TEXT PRIMARY KEY,
    address         TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    signature_html  TEXT NOT NULL,
    smtp_host       TEXT NOT NULL,
    smtp_port       BIGINT NOT NULL,
    smtp_tls        TEXT NOT NULL CHECK (smtp_tls IN ('none', 'starttls', 'tls')),
    smtp_user       TEXT NOT NULL,
    smtp_password   TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX email_channels_by_address ON email_channels (lower(address));
-- Which teams may send from a channel.
CREATE TABLE email_channel_teams (
    channel_id TEXT NOT NULL REFERENCES email_channels(id) ON DELETE CASCADE,
    team_id    TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, team_id)
);
CREATE INDEX email_channel_teams_by_team ON email_channel_teams (team_id);
-- The channel a conversation came in on (replies go out from it by default).
ALTER TABLE conversations ADD COLUMN email_channel_id TEXT REFERENCES email_channels(id) ON DELETE SET NULL;

-- Messages: the identity that threads them (Message-ID, In-Reply-To, References: ids
-- without angle brackets, References space-separated), sender and recipients (addresses
-- one per line), the sanitised HTML body beside the plain text, and for outgoing ones their
-- delivery: scheduled (inside the undo window), sending, sent, retrying, failed.
ALTER TABLE messages ADD COLUMN message_id TEXT;
ALTER TABLE messages ADD COLUMN in_reply_to TEXT;
ALTER TABLE messages ADD COLUMN references_ids TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN from_address TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN to_addresses TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN cc_addresses TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN bcc_addresses TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN delivery TEXT CHECK (delivery IN ('scheduled', 'sending', 'sent', 'retrying', 'failed'));
ALTER TABLE messages ADD COLUMN delivery_error TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN email_channel_id TEXT REFERENCES email_channels(id) ON DELETE SET NULL;
CREATE INDEX messages_by_message_id ON messages (message_id);

-- The outbox: one row per outgoing message until it is delivered or has failed for good,
-- written in the transaction that writes the message. A worker claims due rows with a
-- lease (one UPDATE, so two instances never claim one row), delivers, then deletes the row.
-- The undo fields put the ticket back as it was if the agent undoes the send.
CREATE TABLE outbox (
    message_id        TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    send_after        BIGINT NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    lease_owner       TEXT,
    lease_until       BIGINT,
    undo_until        BIGINT NOT NULL,
    undo_status_id    TEXT,
    undo_owner_id     TEXT,
    undo_owner_changed BIGINT NOT NULL DEFAULT 0,
    draft_json        TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (send_after);

-- Drafts: every unsent reply, kept per user and conversation (a comment draft beside it),
-- versioned so two windows never silently overwrite each other. Only its author ever reads
-- or writes one.
CREATE TABLE drafts (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id     TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('reply', 'comment')),
    version             BIGINT NOT NULL,
    body_html           TEXT NOT NULL,
    body_text           TEXT NOT NULL,
    from_channel_id     TEXT,
    to_addresses        TEXT NOT NULL,
    cc_addresses        TEXT NOT NULL,
    bcc_addresses       TEXT NOT NULL,
    reply_to_message_id TEXT,
    status_id           TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX drafts_by_author ON drafts (user_id, conversation_id, kind);
CREATE INDEX drafts_by_recency ON drafts (user_id, updated_at, id);

-- Settings of the whole help desk (undo window, automation), by name.
CREATE TABLE app_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
