from accounts.models.account import (
    Account,
    AccountNote,
    AccountStatus,
    Service,
    ServiceStatus,
    Utility,
)
from accounts.models.contact import Contact
from accounts.models.customer import (
    Customer,
    CustomerClass,
    CustomerKind,
    IdentityCheckMethod,
    NameWord,
    PreferredContact,
    Premise,
    ServicePoint,
)
from accounts.models.ledger import (
    AdjustmentReason,
    AdjustmentRequest,
    AdjustmentRequestStatus,
    Bill,
    BillLine,
    EntryKind,
    LedgerEntry,
)

__all__ = [
    "Account",
    "AccountNote",
    "AccountStatus",
    "AdjustmentReason",
    "AdjustmentRequest",
    "AdjustmentRequestStatus",
    "Bill",
    "BillLine",
    "Contact",
    "Customer",
    "CustomerClass",
    "CustomerKind",
    "EntryKind",
    "IdentityCheckMethod",
    "LedgerEntry",
    "NameWord",
    "PreferredContact",
    "Premise",
    "Service",
    "ServicePoint",
    "ServiceStatus",
    "Utility",
]
