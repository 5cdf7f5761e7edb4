from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('borough', '0003_audit_is_append_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PaymentAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='payment_attempts', on_delete=OnDelete.RESTRICT)),
                ('submission', fields.ForeignKeyField('borough.Submission', source_field='submission_id', db_constraint=True, to_field='id', related_name='payment_attempts', on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(unique=True, max_length=32)),
                ('return_token', fields.CharField(unique=True, max_length=64)),
                ('idempotency_key', fields.CharField(unique=True, max_length=64)),
                ('provider', fields.CharField(max_length=32)),
                ('provider_payment_id', fields.CharField(null=True, max_length=200)),
                ('amount', fields.IntField()),
                ('fees', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('state', fields.CharField(default='created', max_length=16)),
                ('failure_reason', fields.CharField(null=True, max_length=32)),
                ('next_url', fields.TextField(null=True, unique=False)),
                ('card_brand', fields.CharField(null=True, max_length=40)),
                ('last_four', fields.CharField(null=True, max_length=4)),
                ('flagged_for_refund', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment_attempt', 'app': 'borough', 'unique_together': (('provider', 'provider_payment_id'),), 'indexes': [Index(fields=['state', 'expires_at']), Index(fields=['council_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'Payment attempts, one way through their states'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attempt', fields.ForeignKeyField('borough.PaymentAttempt', source_field='attempt_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('from_state', fields.CharField(max_length=16)),
                ('to_state', fields.CharField(max_length=16)),
                ('source', fields.CharField(max_length=16)),
                ('detail', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_event', 'app': 'borough', 'pk_attr': 'id', 'table_description': "Payment attempts' state history"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('attempt', fields.ForeignKeyField('borough.PaymentAttempt', source_field='attempt_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.IntField()),
                ('state', fields.CharField(default='pending', max_length=16)),
                ('provider_refund_id', fields.CharField(null=True, max_length=200)),
                ('idempotency_key', fields.CharField(unique=True, max_length=64)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('created_by', fields.ForeignKeyField('borough.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'refund', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Refunds of payments'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SandboxPayment',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='sandbox_payments', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.IntField()),
                ('reference', fields.CharField(max_length=255)),
                ('description', fields.CharField(max_length=255)),
                ('return_url', fields.TextField(unique=False)),
                ('status', fields.CharField(default='created', max_length=16)),
                ('code', fields.CharField(null=True, max_length=8)),
                ('last_four', fields.CharField(null=True, max_length=4)),
                ('refunded', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sandbox_payment', 'app': 'borough', 'pk_attr': 'id', 'table_description': "The sandbox payment provider's payments"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.CharField(max_length=32)),
                ('message_id', fields.CharField(max_length=200)),
                ('provider_payment_id', fields.CharField(null=True, max_length=200)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_message', 'app': 'borough', 'unique_together': (('provider', 'message_id'),), 'pk_attr': 'id', 'table_description': 'Provider webhooks already processed'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Council',
            name='payment_webhook_secret',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Submission',
            name='awaiting_payment',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
