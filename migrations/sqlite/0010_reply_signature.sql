-- The signature of one reply, as the agent edited it below the text (NULL: the From
-- address's signature as set in Settings > Email; '' removes it from this reply).
ALTER TABLE drafts ADD COLUMN signature_html TEXT;
