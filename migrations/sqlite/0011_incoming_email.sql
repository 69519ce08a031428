-- Incoming email (issue 12): each team address gains its incoming side (IMAP, or messages
-- posted to its own HTTP endpoint with a secret token), where its new tickets land, the
-- mailbox follower's place in the mailbox, and the messages that could not be imported.

-- Where a channel's new tickets land, whether it takes mail at all, the endpoint's token
-- (only its SHA-256 is kept) and the IMAP mailbox followed (its password sealed like SMTP's).
ALTER TABLE email_channels ADD COLUMN incoming_pipeline_id TEXT REFERENCES pipelines(id) ON DELETE SET NULL;
ALTER TABLE email_channels ADD COLUMN incoming_status_id TEXT REFERENCES statuses(id) ON DELETE SET NULL;
ALTER TABLE email_channels ADD COLUMN incoming_paused BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE email_channels ADD COLUMN inbound_token_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE email_channels ADD COLUMN imap_host TEXT NOT NULL DEFAULT '';
ALTER TABLE email_channels ADD COLUMN imap_port INTEGER NOT NULL DEFAULT 993;
ALTER TABLE email_channels ADD COLUMN imap_tls TEXT NOT NULL DEFAULT 'tls' CHECK (imap_tls IN ('none', 'starttls', 'tls'));
ALTER TABLE email_channels ADD COLUMN imap_user TEXT NOT NULL DEFAULT '';
ALTER TABLE email_channels ADD COLUMN imap_password TEXT NOT NULL DEFAULT '';
ALTER TABLE email_channels ADD COLUMN imap_folder TEXT NOT NULL DEFAULT 'INBOX';

-- The follower's place in each mailbox: the UIDVALIDITY it read and the last UID it
-- imported, and a lease so that one instance at a time follows a mailbox.
CREATE TABLE mailbox_state (
    channel_id   TEXT PRIMARY KEY REFERENCES email_channels(id) ON DELETE CASCADE,
    uid_validity INTEGER,
    last_uid     INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    checked_at   INTEGER
);

-- An incoming message keeps its original (a stored file, for "Show original"), how it was
-- threaded, whether a machine sent it (auto-reply, bulk, bounce), and whether its HTML has
-- remote images waiting for "Show images". One Message-ID is imported once, whichever
-- address or path it came in by.
ALTER TABLE messages ADD COLUMN raw_key TEXT;
ALTER TABLE messages ADD COLUMN threaded_by TEXT;
ALTER TABLE messages ADD COLUMN auto_kind TEXT CHECK (auto_kind IN ('auto-reply', 'bulk', 'bounce'));
ALTER TABLE messages ADD COLUMN remote_images BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX messages_incoming_once ON messages (message_id) WHERE kind = 'incoming';
-- Files of an incoming message shown inside its HTML (cid: images) are not listed below it.
ALTER TABLE attachments ADD COLUMN content_id TEXT;
ALTER TABLE attachments ADD COLUMN inline BOOLEAN NOT NULL DEFAULT FALSE;

-- Messages that could not be imported, kept raw until an admin retries or deletes them.
CREATE TABLE failed_imports (
    id           TEXT PRIMARY KEY,
    channel_id   TEXT REFERENCES email_channels(id) ON DELETE SET NULL,
    reason       TEXT NOT NULL,
    raw_key      TEXT NOT NULL,
    size         INTEGER NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    from_address TEXT NOT NULL DEFAULT '',
    received_at  INTEGER NOT NULL
);
CREATE INDEX failed_imports_by_time ON failed_imports (received_at, id);
