"""The shared catalogue: councils' signing keys (sealed at rest) and the upstream of each
service a council imported from a catalogue."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('borough', '0006_service_drafts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CatalogueFork',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='catalogue_forks', on_delete=OnDelete.RESTRICT)),
                ('service_id', fields.CharField(max_length=64)),
                ('catalogue', fields.CharField(max_length=500)),
                ('publisher', fields.CharField(max_length=64)),
                ('upstream_service', fields.CharField(max_length=64)),
                ('upstream_version', fields.CharField(max_length=32)),
                ('address', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'catalogue_fork', 'app': 'borough', 'unique_together': (('council', 'service_id'),), 'pk_attr': 'id', 'table_description': 'Services imported from a catalogue, with their upstream'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CatalogueKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='catalogue_keys', on_delete=OnDelete.RESTRICT)),
                ('keyid', fields.CharField(unique=True, max_length=64)),
                ('public_key', fields.TextField(unique=False)),
                ('sealed_private_key', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'catalogue_key', 'app': 'borough', 'pk_attr': 'id', 'table_description': "Councils' catalogue signing keys, sealed at rest"},
            bases=['Model'],
        ),
    ]
