"""Suggestions: changes other councils suggest to a council's published catalogue services
(builder/catalogue/suggestions.py)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('borough', '0007_catalogue')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CatalogueSuggestion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('borough.Council', source_field='council_id', db_constraint=True, to_field='id', related_name='catalogue_suggestions', on_delete=OnDelete.RESTRICT)),
                ('service', fields.CharField(max_length=64)),
                ('version', fields.CharField(max_length=32)),
                ('address', fields.CharField(max_length=64)),
                ('from_council', fields.CharField(max_length=64)),
                ('from_name', fields.CharField(max_length=200)),
                ('via', fields.CharField(max_length=16)),
                ('message', fields.TextField(unique=False)),
                ('patch', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('state', fields.CharField(default='open', max_length=16)),
                ('decided_by_label', fields.CharField(default='', max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'catalogue_suggestion', 'app': 'borough', 'pk_attr': 'id', 'table_description': "Changes other councils suggest to a council's published catalogue services"},
            bases=['Model'],
        ),
    ]
