//! An action waiting for a supervisor's signature, and what is done once it is signed. Only
//! the types: screens build them (through `Ctx`), `signing` runs the dialog, the app carries
//! them out.

use crate::config::signatures::SignedAction;
use crate::domain::audit::NewEntry;
use crate::domain::manufacturer::PackagingOrder;
use crate::worker::Request;

/// What happens once an action is signed.
#[derive(Debug, Clone)]
pub enum AfterSign {
    /// Send this request; its answer goes to `owner` with the signature, which goes into the
    /// audit row written for it.
    Send {
        request: Box<Request>,
        owner: super::msg::Owner,
    },
    Unlock,
    /// More packs for this order (nothing is done if another order is active by then).
    AllowMore {
        order_id: String,
    },
    SetActive(Box<PackagingOrder>),
    /// Voided labels were found and removed: these rows (one per order), then the Print tab
    /// stops asking for these labels (order, serial).
    LabelsRemoved {
        entries: Vec<NewEntry>,
        labels: Vec<(String, String)>,
    },
}

/// An action waiting for its signature.
#[derive(Debug, Clone)]
pub struct SignRequest {
    pub action: SignedAction,
    /// One line saying what is signed.
    pub summary: String,
    /// The packaging order it concerns, if any (for the batch report).
    pub order: Option<String>,
    pub then: AfterSign,
}
