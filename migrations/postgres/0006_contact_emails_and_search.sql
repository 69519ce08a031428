-- Contacts have any number of email addresses (issue 3). Each address belongs to one
-- contact (stored lower-cased, so unique case-insensitively); the first one is also kept
-- in contacts.email, the address replies go to.
CREATE TABLE contact_emails (
    email      TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL
);
CREATE INDEX contact_emails_by_contact ON contact_emails (contact_id, position);
CREATE INDEX contact_emails_by_prefix ON contact_emails (email COLLATE "C");
INSERT INTO contact_emails (email, contact_id, position)
    SELECT lower(email), id, 0 FROM contacts WHERE email IS NOT NULL;

-- Search: the app keeps search_text (name and every address, lower-cased, accents folded).
-- Short input matches name prefixes through contacts_by_folded_name; three characters or more
-- go through a trigram index (pg_trgm, a trusted extension), so "contains" never scans every
-- contact.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE contacts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN folded_name TEXT NOT NULL DEFAULT '';
UPDATE contacts SET folded_name = lower(name),
                    search_text = lower(name) || ' ' || coalesce(lower(email), '');
-- In byte order ("C"), so a prefix is one range of the index, already sorted.
CREATE INDEX contacts_by_folded_name ON contacts (folded_name COLLATE "C");
CREATE INDEX contacts_search_trigrams ON contacts USING gin (search_text gin_trgm_ops);
