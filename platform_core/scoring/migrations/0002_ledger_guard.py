"""The database, not only Python, keeps the ledger append-only.

- INSERT: an entry cannot start as ``reversed``.
- UPDATE: only a ``proposed`` entry may change (that is its review). An ``approved``
  entry may only turn ``reversed``, with nothing else changed, and only once its
  approved compensating entry exists (the objection and correction services write
  that entry first). ``rejected`` and ``reversed`` entries never change.
- DELETE: only a ``proposed`` entry may be withdrawn. TRUNCATE is refused.
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
        IF NEW.status = 'reversed' THEN
            RAISE EXCEPTION 'ledger entry cannot be recorded as reversed'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status = 'proposed' THEN
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
    BEFORE INSERT OR UPDATE OR DELETE ON scoring_scoreevent
    FOR EACH ROW EXECUTE FUNCTION scoring_ledger_guard();
CREATE TRIGGER scoring_ledger_guard_truncate
    BEFORE TRUNCATE ON scoring_scoreevent
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_ledger_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS scoring_ledger_guard_truncate ON scoring_scoreevent;
DROP TRIGGER IF EXISTS scoring_ledger_guard_rows ON scoring_scoreevent;
DROP FUNCTION IF EXISTS scoring_ledger_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunSQL(GUARD, UNGUARD)]
