"""Every capability's models, imported in one place so Alembic and the mapper see them all."""

from webapp.alerts.models import AlertState, PushSubscription, ReorderPolicy, StockAlert  # noqa: F401
from webapp.approvals.models import Decision  # noqa: F401
from webapp.audit.models import AuditEntry, AuditHead  # noqa: F401
from webapp.auth.models import User  # noqa: F401
from webapp.catalog.models import Barcode, BarcodeSetting, Item, Location, Store  # noqa: F401
from webapp.channels.models import (  # noqa: F401
    ApiToken,
    ChannelBuffer,
    LevelChange,
    LevelFeedHead,
    SalesChannel,
    WebhookDelivery,
)
from webapp.clover.models import CloverConnection, CloverPush, CloverWebhookHint  # noqa: F401
from webapp.counting.models import CountLine, CountScan, CountSession  # noqa: F401
from webapp.damage.models import DamageRecord  # noqa: F401
from webapp.inventory.models import StockEvent, StockLevel  # noqa: F401
from webapp.labels.models import LabelJob  # noqa: F401
from webapp.photos.models import Photo  # noqa: F401
from webapp.purchasing.models import POSending, POVendor, Vendor, VendorItem  # noqa: F401
from webapp.receiving.models import POLine, PurchaseOrder, Receipt, ReceiptLine, ReceiptScan  # noqa: F401
from webapp.reports.models import LevelSnapshot, LevelSnapshotRow, store_kind_occurred  # noqa: F401
from webapp.schedule.models import CountPlan, CountTask, ScheduleSettings  # noqa: F401
from webapp.sync.models import DeviceSync, SyncReceipt  # noqa: F401
from webapp.transfers.models import Transfer  # noqa: F401
from webapp.unknown.models import UnknownScan  # noqa: F401
