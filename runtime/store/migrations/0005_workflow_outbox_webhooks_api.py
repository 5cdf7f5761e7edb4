"""Workflow history and timers, outbox delivery, back-office deliveries, API keys."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# Submissions made before this migration: copy the service id from their version, and take
# the submission time as the time their current state was entered.
BACKFILL = """
UPDATE submission SET service_id = (
    SELECT service_version.service_id FROM service_version WHERE service_version.id = submission.service_version_id
), state_entered_at = submitted_at;
"""

SQLITE = """
CREATE TRIGGER submission_event_no_update BEFORE UPDATE ON submission_event
BEGIN SELECT RAISE(ABORT, 'application history is append-only'); END;
CREATE TRIGGER submission_event_no_delete BEFORE DELETE ON submission_event
BEGIN SELECT RAISE(ABORT, 'application history is append-only'); END;
"""

POSTGRES = """
CREATE FUNCTION submission_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'application history is append-only'; END $$;
CREATE TRIGGER submission_event_no_change BEFORE UPDATE OR DELETE ON submission_event
FOR EACH ROW EXECUTE FUNCTION submission_event_append_only();
"""


async def backfill_and_protect(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    client = schema_editor.client
    await client.execute_script(BACKFILL)
    await client.execute_script(POSTGRES if client.capabilities.dialect == "postgres" else SQLITE)

class Migration(migrations.Migration):
    dependencies = [('borough', '0004_payments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='api_keys', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('prefix', fields.CharField(unique=True, max_length=16)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.ForeignKeyField('borough.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='api_keys', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_key', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Per-council API keys for the JSON API'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubmissionEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='submission_events', on_delete=OnDelete.RESTRICT)),
                ('submission', fields.ForeignKeyField('borough.Submission', source_field='submission_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('from_state', fields.CharField(max_length=64)),
                ('to_state', fields.CharField(max_length=64)),
                ('event', fields.CharField(max_length=64)),
                ('actor', fields.ForeignKeyField('borough.StaffUser', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='submission_events', on_delete=OnDelete.RESTRICT)),
                ('actor_label', fields.CharField(max_length=300)),
                ('note', fields.TextField(default='', unique=False)),
                ('visible_to_resident', fields.BooleanField(default=True)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'submission_event', 'app': 'borough', 'indexes': [Index(fields=['submission_id', 'id'])], 'pk_attr': 'id', 'table_description': "Append-only history of each application's workflow"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='webhook_deliveries', on_delete=OnDelete.RESTRICT)),
                ('endpoint', fields.ForeignKeyField('borough.WebhookEndpoint', source_field='endpoint_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.RESTRICT)),
                ('event_id', fields.CharField(max_length=64)),
                ('event_type', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('dead_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status', fields.IntField(null=True)),
                ('last_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'webhook_delivery', 'app': 'borough', 'unique_together': (('endpoint_id', 'event_id'),), 'indexes': [Index(fields=['delivered_at', 'dead_at', 'next_attempt_at']), Index(fields=['council_id', 'dead_at'])], 'pk_attr': 'id', 'table_description': 'Signed back-office webhook deliveries, with retries and dead letters'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WorkflowTimer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='workflow_timers', on_delete=OnDelete.RESTRICT)),
                ('submission', fields.ForeignKeyField('borough.Submission', source_field='submission_id', db_constraint=True, to_field='id', related_name='timers', on_delete=OnDelete.RESTRICT)),
                ('state', fields.CharField(max_length=64)),
                ('entered_version', fields.IntField()),
                ('delay_ms', fields.BigIntField()),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('fired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(default='', max_length=32)),
            ],
            options={'table': 'workflow_timer', 'app': 'borough', 'unique_together': (('submission_id', 'entered_version', 'delay_ms'),), 'pk_attr': 'id', 'table_description': 'Statechart timers waiting to fire'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='claimed_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='dead_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='language',
            field=fields.CharField(default='en', db_default='en', max_length=2),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='next_attempt_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='transport',
            field=fields.CharField(default='', db_default='', max_length=16),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='transport_id',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['sent_at', 'dead_at', 'next_attempt_at']),
        ),
        ops.RemoveIndex(
            model_name='Submission',
            name=None,
            fields=['council_id', 'submitted_at'],
        ),
        ops.AddField(
            model_name='Submission',
            name='assigned_to',
            field=fields.ForeignKeyField('borough.StaffUser', source_field='assigned_to_id', null=True, db_constraint=True, to_field='id', related_name='assigned_submissions', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Submission',
            name='due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Submission',
            name='request',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Submission',
            name='service_id',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='Submission',
            name='state_entered_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Submission',
            name='version',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddIndex(
            model_name='Submission',
            index=Index(fields=['council_id', 'submitted_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Submission',
            index=Index(fields=['council_id', 'state', 'submitted_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Submission',
            index=Index(fields=['council_id', 'service_id', 'submitted_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Submission',
            index=Index(fields=['council_id', 'service_id', 'state', 'submitted_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Submission',
            index=Index(fields=['council_id', 'due_at']),
        ),
        ops.RunPython(backfill_and_protect),
    ]
