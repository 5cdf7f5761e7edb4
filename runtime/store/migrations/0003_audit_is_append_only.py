"""The audit log is append-only: the database itself refuses to change or delete an entry."""

from tortoise import migrations
from tortoise.migrations import operations as ops

SQLITE = """
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

POSTGRES = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""


async def forbid_changes(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    dialect = schema_editor.client.capabilities.dialect
    await schema_editor.client.execute_script(POSTGRES if dialect == "postgres" else SQLITE)


class Migration(migrations.Migration):
    dependencies = [("borough", "0002_staff_and_council_settings")]

    operations = [ops.RunPython(forbid_changes)]
