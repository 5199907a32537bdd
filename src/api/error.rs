//! Every way a call can fail, each with a message in the operator's words that says what to do.

use crate::domain::FieldError;
use std::time::Duration;

fn fields(details: &[FieldError]) -> String {
    if details.is_empty() {
        return "no details were given".into();
    }
    details.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Error codes of the Production orders API, named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductionCode {
    CredentialsMismatch,
    Common,
    TooManyRequests,
    OrderNotFound,
    CreateFailed,
    UpdateRefused,
    CustomerOrderNotFound,
    Other(i64),
}

impl ProductionCode {
    pub fn from_code(code: i64) -> Self {
        use crate::domain::production::codes::*;
        match code {
            CREDENTIALS => Self::CredentialsMismatch,
            COMMON => Self::Common,
            TOO_MANY_REQUESTS => Self::TooManyRequests,
            GET_ORDER => Self::OrderNotFound,
            CREATE_ORDER => Self::CreateFailed,
            UPDATE_ORDER => Self::UpdateRefused,
            GET_CUSTOMER_ORDER => Self::CustomerOrderNotFound,
            n => Self::Other(n),
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Self::CredentialsMismatch => {
                "check [production] api_key and store (or SHOPFLOOR_PRODUCTION_API_KEY / SHOPFLOOR_PRODUCTION_STORE)"
            }
            Self::Common => "try again; if it keeps failing, tell IT",
            Self::TooManyRequests => "wait a moment; the request is retried",
            Self::OrderNotFound => "check the production order id and refresh the list",
            Self::CreateFailed => "check the order's fields (a reference may already be taken)",
            Self::UpdateRefused => "finished and cancelled orders cannot change; refresh to see its state",
            Self::CustomerOrderNotFound => "check the customer order id",
            Self::Other(_) => "see the message; tell IT if it is unclear",
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    // Refused before sending.
    #[error("not sent, fix these fields first: {}", fields(.0))]
    Invalid(Vec<FieldError>),

    // Manufacturer V2 API answers (seeds 000–003).
    #[error("Movilitas got no token (ERR0001): set [manufacturer] token or SHOPFLOOR_MANUFACTURER_TOKEN")]
    NoToken,
    #[error("Movilitas rejected the token (ERR0000): it expired or was revoked; generate a new static token or check api_key/api_secret")]
    TokenRejected,
    #[error("Movilitas refused the API key and secret ({0}): check [manufacturer] api_key and api_secret")]
    AuthFailed(String),
    #[error("Movilitas says the channel key is missing or malformed: set [manufacturer] channel_key to the key of the Manufacturer V2 API channel")]
    ChannelKeyMissing,
    #[error("Movilitas could not parse the request body: this is a defect in shopfloor, tell IT")]
    BodyNotParsed,
    #[error("Movilitas refused the data: {}", fields(.details))]
    Validation { details: Vec<FieldError> },
    #[error("packaging order not found: check the order id, or create the order first")]
    PackagingOrderNotFound,
    #[error("batch not found for this product: check the batch, or register it in Movilitas")]
    BatchNotFound,
    #[error("a label order with this id already exists: choose another order id")]
    LabelOrderExists,
    #[error("printing template doesn't exist: choose a template registered under Labels → Templates")]
    TemplateNotFound,
    #[error("printing destination not found: choose a destination registered under Labels → Destinations")]
    DestinationNotFound,
    #[error("not enough serials in the pool: generate or request serials for the product in Movilitas, then resume the label order there")]
    NotEnoughSerialsAssigned,
    #[error("not enough serials yet, more are being generated: wait a few minutes, then resume the label order in Movilitas")]
    SerialsBeingReplenished,
    #[error("product not registered in Movilitas: register it under Products, or check the product code")]
    ProductNotRegistered,
    #[error("Movilitas refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },

    // Production orders API answers (seed 004).
    #[error("Lagerkoll error {code_number}: {message}. What to do: {}", .code.advice())]
    Production { code: ProductionCode, code_number: i64, message: String, field: Option<String> },
    #[error("Lagerkoll's request limit is reached; next try in {} s", .retry_after.as_secs())]
    RateLimited { retry_after: Duration },

    // Transport and shape.
    #[error("no answer within {} s: the server is slow or unreachable; the request is retried", .0.as_secs())]
    Timeout(Duration),
    #[error("cannot connect to {host}: the server is down or the network is out; check the cable/VPN, the request is retried")]
    ConnectionRefused { host: String },
    #[error("the connection dropped before the answer arrived: the request may or may not have been carried out; it is retried safely")]
    ConnectionDropped,
    #[error("the server failed (HTTP {status}); the request is retried")]
    Server { status: u16 },
    #[error("the server answered in an unexpected form (HTTP {status}: {detail}); check base_url, or tell IT")]
    UnexpectedResponse { status: u16, detail: String },
    #[error("no trusted connection to {host} ({reason}): if the plant inspects TLS, set [network] ca_file to its CA certificate; the request is retried")]
    Tls { host: String, reason: String },
    #[error("not sent: {0}")]
    Insecure(String),
    #[error("cannot set up the connection: {0}")]
    Setup(String),
}

impl ApiError {
    /// Worth sending again unchanged: the failure was in transport or load, not in the data.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::Timeout(_)
                | ApiError::ConnectionRefused { .. }
                | ApiError::ConnectionDropped
                | ApiError::Server { .. }
                | ApiError::RateLimited { .. }
                // A certificate the station does not trust yet: the serials wait, never rejected.
                | ApiError::Tls { .. }
        )
    }

    /// The request may have been carried out although no answer came.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, ApiError::Timeout(_) | ApiError::ConnectionDropped)
    }

    /// The error rows of seed 004 by code.
    pub fn production_code(&self) -> Option<ProductionCode> {
        match self {
            ApiError::Production { code, .. } => Some(*code),
            ApiError::RateLimited { .. } => Some(ProductionCode::TooManyRequests),
            _ => None,
        }
    }
}
