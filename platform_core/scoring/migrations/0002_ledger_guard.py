"""The database, not only Python, keeps the ledger append-only and its references whole.

Append-only (``scoring_ledger_guard``):
- INSERT: an entry cannot start as ``reversed``.
- UPDATE: only a ``proposed`` entry may change (that is its review: it becomes
  ``approved`` or ``rejected``, never ``reversed``). An ``approved``
  entry may only turn ``reversed``, with nothing else changed, and only once its
  approved compensating entry exists (the objection and correction services write
  that entry first). ``rejected`` and ``reversed`` entries never change.
- DELETE: only a ``proposed`` entry may be withdrawn. TRUNCATE is refused.

References (``scoring_ledger_references``): per-row foreign-key triggers cost more
than everything else in a million-row import, so the ledger's links to households,
rules, rounds and corrected entries are checked once per statement over all the new
rows (a transition table), after locking the households they name against deletion.
Households, rules and rounds the ledger refers to can never be deleted.
"""

from django.db import migrations

GUARD = r"""
CREATE FUNCTION scoring_ledger_guard() RETURNS trigger LANGUAGE plpgsql AS $guard$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'the score ledger is append-only: TRUNCATE is refused'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'INSERT' THEN
        RAISE EXCEPTION 'ledger entry cannot be recorded as reversed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'proposed' THEN
        IF TG_OP = 'UPDATE' AND NEW.status = 'reversed' THEN
            RAISE EXCEPTION 'ledger entry % is proposed: it is approved or rejected, never reversed', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'approved' AND NEW.status = 'reversed'
       AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status')
       AND EXISTS (
           SELECT 1 FROM scoring_scoreevent c
           WHERE c.corrects_id = OLD.id AND c.kind = 'compensation' AND c.status = 'approved'
       ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger entry % is %: it can never be changed or deleted; record a compensating entry instead', OLD.id, OLD.status
        USING ERRCODE = 'restrict_violation';
END
$guard$;

CREATE TRIGGER scoring_ledger_guard_rows
    BEFORE UPDATE OR DELETE ON scoring_scoreevent
    FOR EACH ROW EXECUTE FUNCTION scoring_ledger_guard();
-- On INSERT the WHEN clause is evaluated without calling the function.
CREATE TRIGGER scoring_ledger_guard_inserts
    BEFORE INSERT ON scoring_scoreevent
    FOR EACH ROW WHEN (NEW.status = 'reversed') EXECUTE FUNCTION scoring_ledger_guard();
CREATE TRIGGER scoring_ledger_guard_truncate
    BEFORE TRUNCATE ON scoring_scoreevent
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_ledger_guard();

CREATE FUNCTION scoring_ledger_references() RETURNS trigger LANGUAGE plpgsql AS $refs$
DECLARE
    missing text;
BEGIN
    -- Lock the named households so that a concurrent DELETE waits for this
    -- transaction and then sees its entries (scoring_referenced_by_ledger).
    PERFORM 1 FROM households_household h
    WHERE h.id IN (SELECT DISTINCT n.household_id FROM new_rows n) FOR KEY SHARE;
    SELECT 'household id ' || n.household_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM households_household h WHERE h.id = n.household_id) LIMIT 1;
    IF missing IS NULL THEN
        SELECT 'rule id ' || n.rule_id INTO missing FROM new_rows n
        WHERE NOT EXISTS (SELECT 1 FROM scoring_rule r WHERE r.id = n.rule_id) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'evaluation round id ' || n.evaluation_round_id INTO missing FROM new_rows n
        WHERE n.evaluation_round_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM evaluation_evaluationround e WHERE e.id = n.evaluation_round_id
        ) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'corrected entry id ' || n.corrects_id INTO missing FROM new_rows n
        WHERE n.corrects_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM scoring_scoreevent e WHERE e.id = n.corrects_id
        ) LIMIT 1;
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger entry refers to % which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$refs$;

CREATE TRIGGER scoring_ledger_references_insert
    AFTER INSERT ON scoring_scoreevent REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_ledger_references();
CREATE TRIGGER scoring_ledger_references_update
    AFTER UPDATE ON scoring_scoreevent REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_ledger_references();

CREATE FUNCTION scoring_referenced_by_ledger() RETURNS trigger LANGUAGE plpgsql AS $used$
BEGIN
    IF TG_TABLE_NAME = 'households_household' THEN
        PERFORM 1 FROM scoring_scoreevent e WHERE e.household_id = OLD.id LIMIT 1;
    ELSIF TG_TABLE_NAME = 'scoring_rule' THEN
        PERFORM 1 FROM scoring_scoreevent e WHERE e.rule_id = OLD.id LIMIT 1;
    ELSE
        PERFORM 1 FROM scoring_scoreevent e WHERE e.evaluation_round_id = OLD.id LIMIT 1;
    END IF;
    IF FOUND OR (TG_OP = 'UPDATE' AND NEW.id <> OLD.id) THEN
        RAISE EXCEPTION '% id % is referred to by the score ledger: it cannot be deleted or renumbered', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$used$;

CREATE TRIGGER scoring_household_in_ledger
    BEFORE DELETE OR UPDATE OF id ON households_household
    FOR EACH ROW EXECUTE FUNCTION scoring_referenced_by_ledger();
CREATE TRIGGER scoring_rule_in_ledger
    BEFORE DELETE OR UPDATE OF id ON scoring_rule
    FOR EACH ROW EXECUTE FUNCTION scoring_referenced_by_ledger();
CREATE TRIGGER scoring_round_in_ledger
    BEFORE DELETE OR UPDATE OF id ON evaluation_evaluationround
    FOR EACH ROW EXECUTE FUNCTION scoring_referenced_by_ledger();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS scoring_round_in_ledger ON evaluation_evaluationround;
DROP TRIGGER IF EXISTS scoring_rule_in_ledger ON scoring_rule;
DROP TRIGGER IF EXISTS scoring_household_in_ledger ON households_household;
DROP FUNCTION IF EXISTS scoring_referenced_by_ledger();
DROP TRIGGER IF EXISTS scoring_ledger_references_update ON scoring_scoreevent;
DROP TRIGGER IF EXISTS scoring_ledger_references_insert ON scoring_scoreevent;
DROP FUNCTION IF EXISTS scoring_ledger_references();
DROP TRIGGER IF EXISTS scoring_ledger_guard_truncate ON scoring_scoreevent;
DROP TRIGGER IF EXISTS scoring_ledger_guard_inserts ON scoring_scoreevent;
DROP TRIGGER IF EXISTS scoring_ledger_guard_rows ON scoring_scoreevent;
DROP FUNCTION IF EXISTS scoring_ledger_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial"), ("evaluation", "0001_initial")]
    operations = [migrations.RunSQL(GUARD, UNGUARD)]
