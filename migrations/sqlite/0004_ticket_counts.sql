-- Exact per-view ticket counts without counting a million tickets on every page: the
-- number of tickets for each (owner, team, open) combination, kept in step with `tickets`
-- by the triggers below on every insert, delete and change of owner, team or open state.
-- '' stands for "none" in owner_id and team_id so each combination has one row; the
-- left panel sums these rows under the same scope condition it applies to tickets.
CREATE TABLE ticket_counts (
    owner_id TEXT NOT NULL,
    team_id  TEXT NOT NULL,
    is_open  BOOLEAN NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (owner_id, team_id, is_open)
);

INSERT INTO ticket_counts (owner_id, team_id, is_open, n)
SELECT COALESCE(owner_id, ''), COALESCE(team_id, ''), is_open, COUNT(*) FROM tickets
GROUP BY COALESCE(owner_id, ''), COALESCE(team_id, ''), is_open;

CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_counts (owner_id, team_id, is_open, n)
    VALUES (COALESCE(NEW.owner_id, ''), COALESCE(NEW.team_id, ''), NEW.is_open, 1)
    ON CONFLICT (owner_id, team_id, is_open) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE owner_id = COALESCE(OLD.owner_id, '') AND team_id = COALESCE(OLD.team_id, '') AND is_open = OLD.is_open;
END;

CREATE TRIGGER ticket_counts_update AFTER UPDATE OF owner_id, team_id, is_open ON tickets
WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.team_id IS NOT NEW.team_id OR OLD.is_open IS NOT NEW.is_open
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE owner_id = COALESCE(OLD.owner_id, '') AND team_id = COALESCE(OLD.team_id, '') AND is_open = OLD.is_open;
    INSERT INTO ticket_counts (owner_id, team_id, is_open, n)
    VALUES (COALESCE(NEW.owner_id, ''), COALESCE(NEW.team_id, ''), NEW.is_open, 1)
    ON CONFLICT (owner_id, team_id, is_open) DO UPDATE SET n = n + 1;
END;
