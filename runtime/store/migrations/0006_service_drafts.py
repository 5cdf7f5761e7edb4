"""The builder's drafts: each service's one working draft per council, its append-only history
of changes, undos and redos, and who published a version, with their change note."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from runtime.store.models import empty_answers
from tortoise.fields.base import OnDelete
from tortoise import fields

SQLITE = """
CREATE TRIGGER draft_change_no_update BEFORE UPDATE ON draft_change
BEGIN SELECT RAISE(ABORT, 'draft history is append-only'); END;
CREATE TRIGGER draft_change_no_delete BEFORE DELETE ON draft_change
BEGIN SELECT RAISE(ABORT, 'draft history is append-only'); END;
"""

POSTGRES = """
CREATE FUNCTION draft_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'draft history is append-only'; END $$;
CREATE TRIGGER draft_change_no_change BEFORE UPDATE OR DELETE ON draft_change
FOR EACH ROW EXECUTE FUNCTION draft_change_append_only();
"""


async def protect_history(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    client = schema_editor.client
    await client.execute_script(POSTGRES if client.capabilities.dialect == "postgres" else SQLITE)


class Migration(migrations.Migration):
    dependencies = [('borough', '0005_workflow_outbox_webhooks_api')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ServiceDraft',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='service_drafts', on_delete=OnDelete.RESTRICT)),
                ('service_id', fields.CharField(max_length=64)),
                ('definition', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('version', fields.IntField(default=1)),
                ('head_change_id', fields.IntField(null=True)),
                ('source', fields.CharField(default='blank', max_length=200)),
                ('published_draft_version', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_by', fields.ForeignKeyField('borough.StaffUser', source_field='updated_by_id', null=True, db_constraint=True, to_field='id', related_name='updated_drafts', on_delete=OnDelete.RESTRICT)),
                ('updated_by_label', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'service_draft', 'app': 'borough', 'unique_together': (('council', 'service_id'),), 'pk_attr': 'id', 'table_description': "Each service's one working draft per council"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DraftChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='draft_changes', on_delete=OnDelete.RESTRICT)),
                ('draft', fields.ForeignKeyField('borough.ServiceDraft', source_field='draft_id', db_constraint=True, to_field='id', related_name='changes', on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField()),
                ('kind', fields.CharField(max_length=8)),
                ('operation', fields.CharField(max_length=64)),
                ('description', fields.TextField(unique=False)),
                ('params', fields.JSONField(default=empty_answers, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('patch', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('inverse', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('parent_id', fields.IntField(null=True)),
                ('target_id', fields.IntField(null=True)),
                ('actor', fields.ForeignKeyField('borough.StaffUser', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='draft_changes', on_delete=OnDelete.RESTRICT)),
                ('actor_label', fields.CharField(max_length=300)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'draft_change', 'app': 'borough', 'unique_together': (('draft', 'version'),), 'pk_attr': 'id', 'table_description': 'Append-only history of every draft: changes, undos and redos'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ServiceVersion',
            name='change_note',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='ServiceVersion',
            name='published_by',
            field=fields.ForeignKeyField('borough.StaffUser', source_field='published_by_id', null=True, db_constraint=True, to_field='id', related_name='published_versions', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='ServiceVersion',
            name='published_by_label',
            field=fields.CharField(null=True, max_length=300),
        ),
        ops.RunPython(protect_history),
    ]
