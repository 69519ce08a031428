-- Exact per-view ticket counts without counting a million tickets on every page: the
-- number of tickets for each (owner, team, open) combination, kept in step with `tickets`
-- by the triggers below on every insert, delete and change of owner, team or open state.
-- '' stands for "none" in owner_id and team_id so each combination has one row; the
-- left panel sums these rows under the same scope condition it applies to tickets.
CREATE TABLE ticket_counts (
    owner_id TEXT NOT NULL,
    team_id  TEXT NOT NULL,
    is_open  BOOLEAN NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (owner_id, team_id, is_open)
);

INSERT INTO ticket_counts (owner_id, team_id, is_open, n)
SELECT COALESCE(owner_id, ''), COALESCE(team_id, ''), is_open, COUNT(*) FROM tickets
GROUP BY COALESCE(owner_id, ''), COALESCE(team_id, ''), is_open;

-- Changes lock their counter rows in key order, so two edits moving tickets in opposite
-- directions cannot deadlock each other.
CREATE FUNCTION ticket_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts AS c (owner_id, team_id, is_open, n)
    SELECT d.owner_id, d.team_id, d.is_open, d.n FROM (
        SELECT COALESCE(NEW.owner_id, '') AS owner_id, COALESCE(NEW.team_id, '') AS team_id,
               NEW.is_open AS is_open, 1 AS n
        WHERE TG_OP IN ('INSERT', 'UPDATE')
        UNION ALL
        SELECT COALESCE(OLD.owner_id, ''), COALESCE(OLD.team_id, ''), OLD.is_open, -1
        WHERE TG_OP IN ('DELETE', 'UPDATE')
    ) d
    ORDER BY d.owner_id, d.team_id, d.is_open
    ON CONFLICT (owner_id, team_id, is_open) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_counts_follow();
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_counts_follow();
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF owner_id, team_id, is_open ON tickets
    FOR EACH ROW
    WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.team_id IS DISTINCT FROM NEW.team_id
          OR OLD.is_open IS DISTINCT FROM NEW.is_open)
    EXECUTE FUNCTION ticket_counts_follow();
