-- Attachments (issue 11): files added to a reply. While the reply is a draft a file belongs
-- to its uploader's draft on the conversation (message_id NULL); sending links it to the
-- message. The bytes live on disk under the files folder, named by storage_key.
CREATE TABLE attachments (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    uploader_id     TEXT REFERENCES users(id) ON DELETE SET NULL,
    message_id      TEXT REFERENCES messages(id) ON DELETE CASCADE,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL,
    storage_key     TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX attachments_by_message ON attachments (message_id);
CREATE INDEX attachments_by_draft ON attachments (uploader_id, conversation_id, message_id);
