from accounts.models.account import (
    Account,
    AccountNote,
    AccountStatus,
    Service,
    ServiceStatus,
    Utility,
    UtilityOffering,
)
from accounts.models.aging import AccountBalance, AgingChange, ChargesDue
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
    "AccountBalance",
    "AccountNote",
    "AccountStatus",
    "AdjustmentReason",
    "AdjustmentRequest",
    "AdjustmentRequestStatus",
    "AgingChange",
    "Bill",
    "BillLine",
    "ChargesDue",
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
    "UtilityOffering",
]
