"""A published honour board and its entries never change: the database refuses it."""

from django.db import migrations

GUARD = r"""
CREATE FUNCTION publication_board_guard() RETURNS trigger LANGUAGE plpgsql AS $guard$
BEGIN
    RAISE EXCEPTION 'a published honour board is immutable (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$guard$;
CREATE TRIGGER publication_board_immutable
    BEFORE UPDATE OR DELETE ON publication_honourboard
    FOR EACH ROW EXECUTE FUNCTION publication_board_guard();
CREATE TRIGGER publication_board_entry_immutable
    BEFORE UPDATE OR DELETE ON publication_boardentry
    FOR EACH ROW EXECUTE FUNCTION publication_board_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS publication_board_entry_immutable ON publication_boardentry;
DROP TRIGGER IF EXISTS publication_board_immutable ON publication_honourboard;
DROP FUNCTION IF EXISTS publication_board_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("publication", "0001_initial")]
    operations = [migrations.RunSQL(GUARD, UNGUARD)]
