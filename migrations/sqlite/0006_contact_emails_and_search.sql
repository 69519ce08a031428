-- Contacts have any number of email addresses (issue 3). Each address belongs to one
-- contact (stored lower-cased, so unique case-insensitively); the first one is also kept
-- in contacts.email, the address replies go to.
CREATE TABLE contact_emails (
    email      TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL
);
CREATE INDEX contact_emails_by_contact ON contact_emails (contact_id, position);
INSERT INTO contact_emails (email, contact_id, position)
    SELECT lower(email), id, 0 FROM contacts WHERE email IS NOT NULL;

-- Search: the app keeps search_text (name and every address, lower-cased, accents folded).
-- Short input matches name prefixes through contacts_by_folded_name; three characters or more
-- go through a trigram index, so "contains" never scans every contact.
ALTER TABLE contacts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN folded_name TEXT NOT NULL DEFAULT '';
UPDATE contacts SET folded_name = lower(name),
                    search_text = lower(name) || ' ' || coalesce(lower(email), '');
CREATE INDEX contacts_by_folded_name ON contacts (folded_name);

-- The trigram index is an FTS5 table keyed by contact_search_keys.rowid, an INTEGER PRIMARY
-- KEY (stable across VACUUM, unlike the implicit rowid of contacts), kept by triggers.
CREATE TABLE contact_search_keys (
    rowid      INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL UNIQUE REFERENCES contacts(id) ON DELETE CASCADE
);
CREATE VIRTUAL TABLE contact_search USING fts5(search_text, tokenize = 'trigram');
INSERT INTO contact_search_keys (contact_id) SELECT id FROM contacts;
INSERT INTO contact_search (rowid, search_text)
    SELECT k.rowid, ct.search_text FROM contact_search_keys k JOIN contacts ct ON ct.id = k.contact_id;

CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search_keys (contact_id) VALUES (NEW.id);
    INSERT INTO contact_search (rowid, search_text)
        VALUES ((SELECT rowid FROM contact_search_keys WHERE contact_id = NEW.id), NEW.search_text);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = (SELECT rowid FROM contact_search_keys WHERE contact_id = NEW.id);
    INSERT INTO contact_search (rowid, search_text)
        VALUES ((SELECT rowid FROM contact_search_keys WHERE contact_id = NEW.id), NEW.search_text);
END;
CREATE TRIGGER contacts_search_delete BEFORE DELETE ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = (SELECT rowid FROM contact_search_keys WHERE contact_id = OLD.id);
    DELETE FROM contact_search_keys WHERE contact_id = OLD.id;
END;
