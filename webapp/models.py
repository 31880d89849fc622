"""Every capability's models, imported in one place so Alembic and the mapper see them all."""

from webapp.auth.models import User  # noqa: F401
from webapp.catalog.models import Barcode, Item, Location, Store  # noqa: F401
