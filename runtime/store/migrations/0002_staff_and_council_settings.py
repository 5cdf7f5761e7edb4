from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('borough', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SignInAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=300)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sign_in_attempt', 'app': 'borough', 'indexes': [Index(fields=['key', 'at'])], 'pk_attr': 'id', 'table_description': 'Failed sign-ins, for rate limiting'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffUser',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=200)),
                ('password_hash', fields.CharField(null=True, max_length=200)),
                ('is_operator', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_sign_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_user', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Staff and operators who sign in'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.RESTRICT)),
                ('actor', fields.ForeignKeyField('borough.StaffUser', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.RESTRICT)),
                ('actor_label', fields.CharField(max_length=300)),
                ('action', fields.CharField(max_length=100)),
                ('target', fields.CharField(default='', max_length=300)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('address', fields.CharField(null=True, max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_entry', 'app': 'borough', 'indexes': [Index(fields=['council_id', 'at'])], 'pk_attr': 'id', 'table_description': 'Append-only log of staff actions'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Membership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('borough.StaffUser', source_field='user_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.RESTRICT)),
                ('roles', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'membership', 'app': 'borough', 'unique_together': (('user', 'council'),), 'pk_attr': 'id', 'table_description': 'Staff roles per council'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OneTimeToken',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('kind', fields.CharField(max_length=16)),
                ('email', fields.CharField(max_length=254)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', null=True, db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.RESTRICT)),
                ('roles', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.ForeignKeyField('borough.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='tokens_created', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'one_time_token', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Password resets and invitations'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffSession',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('user', fields.ForeignKeyField('borough.StaffUser', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('address', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'staff_session', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Signed-in staff browsers'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='webhook_endpoints', on_delete=OnDelete.RESTRICT)),
                ('url', fields.CharField(max_length=500)),
                ('secret', fields.TextField(unique=False)),
                ('events', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_endpoint', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Back-office webhook endpoints per council'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Council',
            name='accessibility_url',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='Council',
            name='contact_phone',
            field=fields.CharField(null=True, max_length=40),
        ),
        ops.AddField(
            model_name='Council',
            name='email_reply_to',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='Council',
            name='email_sender_address',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='Council',
            name='email_sender_name',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Council',
            name='payment_account',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Council',
            name='payment_provider',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Council',
            name='payment_secret',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Council',
            name='privacy_url',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='Council',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Council',
            name='website_url',
            field=fields.CharField(null=True, max_length=500),
        ),
    ]
