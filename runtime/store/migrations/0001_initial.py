from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from runtime.store.models import default_languages, empty_answers, empty_visited
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Council',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('brand_colour', fields.CharField(default='#1d70b8', max_length=7)),
                ('logo_url', fields.CharField(null=True, max_length=500)),
                ('contact_email', fields.CharField(null=True, max_length=254)),
                ('languages', fields.JSONField(default=default_languages, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'council', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Councils: the tenancies of this installation'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', null=True, db_constraint=True, to_field='id', related_name='outbox_messages', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(default='email', max_length=16)),
                ('recipient', fields.CharField(db_index=True, max_length=254)),
                ('subject', fields.CharField(max_length=500)),
                ('body_text', fields.TextField(unique=False)),
                ('idempotency_key', fields.CharField(unique=True, max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'outbox_message', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Emails to send, at most once per idempotency key'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='service_versions', on_delete=OnDelete.RESTRICT)),
                ('service_id', fields.CharField(max_length=64)),
                ('version', fields.CharField(max_length=32)),
                ('content_hash', fields.CharField(db_index=True, max_length=64)),
                ('definition', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('title', fields.CharField(max_length=500)),
                ('published_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'service_version', 'app': 'borough', 'unique_together': (('council', 'service_id', 'version'),), 'pk_attr': 'id', 'table_description': 'Published, immutable service definition versions'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Journey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='journeys', on_delete=OnDelete.RESTRICT)),
                ('service_version', fields.ForeignKeyField('borough.ServiceVersion', source_field='service_version_id', db_constraint=True, to_field='id', related_name='journeys', on_delete=OnDelete.RESTRICT)),
                ('answers', fields.JSONField(default=empty_answers, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('visited', fields.JSONField(default=empty_visited, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('language', fields.CharField(default='en', max_length=2)),
                ('resume_email', fields.CharField(null=True, max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('submitted', fields.BooleanField(default=False)),
                ('lock_version', fields.IntField(default=0)),
            ],
            options={'table': 'journey', 'app': 'borough', 'pk_attr': 'id', 'table_description': "Residents' applications in progress"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Submission',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.RESTRICT)),
                ('service_version', fields.ForeignKeyField('borough.ServiceVersion', source_field='service_version_id', db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.RESTRICT)),
                ('journey', fields.OneToOneField('borough.Journey', source_field='journey_id', db_constraint=True, to_field='id', related_name='submission', on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(unique=True, max_length=16)),
                ('answers', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('language', fields.CharField(default='en', max_length=2)),
                ('state', fields.CharField(max_length=64)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'submission', 'app': 'borough', 'indexes': [Index(fields=['council_id', 'submitted_at'])], 'pk_attr': 'id', 'table_description': 'Submitted applications, one per journey'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UploadedFile',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='uploaded_files', on_delete=OnDelete.RESTRICT)),
                ('journey', fields.ForeignKeyField('borough.Journey', source_field='journey_id', db_constraint=True, to_field='id', related_name='uploaded_files', on_delete=OnDelete.CASCADE)),
                ('field', fields.CharField(max_length=500)),
                ('filename', fields.CharField(max_length=255)),
                ('content_type', fields.CharField(max_length=255)),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('storage_key', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'uploaded_file', 'app': 'borough', 'pk_attr': 'id', 'table_description': 'Files residents uploaded (the bytes are in the file store)'},
            bases=['Model'],
        ),
    ]
