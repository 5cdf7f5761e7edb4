"""The publisher's name on each service imported from a catalogue, as its signed index gave it,
for the builder's pages once the catalogue is no longer subscribed to. Nullable: a fork imported
before it was kept has none, and is shown by its publisher's slug."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('borough', '0008_catalogue_suggestions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CatalogueFork',
            name='publisher_name',
            field=fields.CharField(null=True, max_length=200),
        ),
    ]
