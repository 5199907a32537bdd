//! Wire types and field rules of Movilitas.Cloud's Manufacturer V2 API (seeds 000–003).
//!
//! Field names are the API's. `validate()` applies the seeds' rules; the client calls it before
//! sending and the simulator calls it on what it receives, so both sides agree by construction.

use super::rules::{self, FieldError, JsonFields};
use serde::{Deserialize, Serialize};

/// The envelope around every answer: `{"success": bool, "message": string, "data": ...}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub success: bool,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

/// A packaging order as the API returns it (seed 000's `data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackagingOrder {
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_description: Option<String>,
    pub product_code: String,
    pub product_code_schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_percentage: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serialized: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging_line_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    pub status: String,
}

/// Body of `POST packaging_order` (seed 001).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreatePackagingOrder {
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_description: Option<String>,
    pub product_code: String,
    pub product_code_schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_percentage: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serialized: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging_line_tag: Option<String>,
    /// Accepted for backward compatibility and not processed (seed 001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
}

impl CreatePackagingOrder {
    pub fn validate(&self, this_year: i32) -> Vec<FieldError> {
        let mut e = Vec::new();
        rules::text_1_255(&mut e, "order_id", &self.order_id);
        rules::opt_text_1_255(&mut e, "order_description", self.order_description.as_deref());
        rules::text_1_255(&mut e, "product_code", &self.product_code);
        rules::schema_is_gtin(&mut e, "product_code_schema", &self.product_code_schema);
        if self.product_code_schema == "GTIN" && !self.product_code.is_empty() {
            rules::gtin(&mut e, "product_code", &self.product_code);
        }
        rules::opt_text_1_255(&mut e, "batch", self.batch.as_deref());
        if let Some(d) = &self.expiry_date {
            rules::expiry(&mut e, "expiry_date", d, this_year);
        }
        rules::range(&mut e, "quantity", self.quantity, 0, 100_000);
        if let Some(p) = self.extra_percentage {
            rules::range(&mut e, "extra_percentage", p, 0, 100);
        }
        rules::opt_text_1_255(&mut e, "packaging_line_tag", self.packaging_line_tag.as_deref());
        e
    }

    /// Reads a request body field by field (the server side of the rules).
    pub fn from_json(v: &serde_json::Value) -> Result<Self, Vec<FieldError>> {
        let mut f = JsonFields::new(v);
        let out = CreatePackagingOrder {
            order_id: f.str("order_id"),
            order_description: f.opt_str("order_description"),
            product_code: f.str("product_code"),
            product_code_schema: f.str("product_code_schema"),
            batch: f.opt_str("batch"),
            expiry_date: f.opt_str("expiry_date"),
            quantity: f.int("quantity"),
            extra_percentage: f.opt_int("extra_percentage"),
            serialized: f.opt_bool("serialized"),
            packaging_line_tag: f.opt_str("packaging_line_tag"),
            market: f.opt_str("market"),
        };
        if f.errors.is_empty() {
            Ok(out)
        } else {
            Err(f.errors)
        }
    }
}

/// The longest serial number GS1 AI 21 allows.
pub const SERIAL_MAX_LEN: usize = 20;
/// The most serials one commissioning request may carry (a simulator decision, documented in
/// the README; the real limit is not public).
pub const SERIALS_PER_REQUEST_MAX: usize = 10_000;

/// GS1 character set 82, the characters a serial number (AI 21) may hold.
pub fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

fn check_serials(e: &mut Vec<FieldError>, serials: &[String]) {
    if serials.is_empty() {
        e.push(FieldError::new("serials", "must hold at least one serial"));
    }
    if serials.len() > SERIALS_PER_REQUEST_MAX {
        e.push(FieldError::new(
            "serials",
            format!("holds {} serials; send at most {SERIALS_PER_REQUEST_MAX} per request", serials.len()),
        ));
    }
    for (i, s) in serials.iter().enumerate() {
        let n = s.chars().count();
        if n == 0 || n > SERIAL_MAX_LEN {
            e.push(FieldError::new(format!("serials[{i}]"), format!("\"{s}\" must be 1–20 characters long")));
        } else if let Some(bad) = s.chars().find(|c| !is_cset82(*c)) {
            e.push(FieldError::new(
                format!("serials[{i}]"),
                format!("\"{s}\" holds '{bad}', which a GS1 serial may not contain"),
            ));
        }
    }
}

/// Body of the commissioning request (seed 002).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommissionRequest {
    pub product_code: String,
    pub product_code_schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    pub expiry_date: String,
    pub serials: Vec<String>,
}

impl CommissionRequest {
    pub fn validate(&self, this_year: i32, check_gtin: bool) -> Vec<FieldError> {
        let mut e = Vec::new();
        rules::text_1_255(&mut e, "product_code", &self.product_code);
        rules::schema_is_gtin(&mut e, "product_code_schema", &self.product_code_schema);
        if check_gtin && !self.product_code.is_empty() {
            rules::gtin(&mut e, "product_code", &self.product_code);
        }
        rules::opt_text_1_255(&mut e, "batch", self.batch.as_deref());
        rules::expiry(&mut e, "expiry_date", &self.expiry_date, this_year);
        check_serials(&mut e, &self.serials);
        e
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Self, Vec<FieldError>> {
        let mut f = JsonFields::new(v);
        let out = CommissionRequest {
            product_code: f.str("product_code"),
            product_code_schema: f.str("product_code_schema"),
            batch: f.opt_str("batch"),
            expiry_date: f.str("expiry_date"),
            serials: f.str_list("serials"),
        };
        if f.errors.is_empty() {
            Ok(out)
        } else {
            Err(f.errors)
        }
    }
}

/// One serial in the commissioning answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionedSerial {
    pub serial_number: String,
    pub status: String,
}

/// Why packs are taken out of the market flow (values seen in the vendor's UI).
pub const DECOMMISSION_REASONS: [&str; 3] = ["Destroyed", "Sampled", "Supplied"];

/// Body of `POST serials/decommission`. Its shape is not public: this is the project's
/// decision, mirroring the commissioning body plus a reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecommissionRequest {
    pub product_code: String,
    pub product_code_schema: String,
    pub reason: String,
    pub serials: Vec<String>,
}

impl DecommissionRequest {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        rules::text_1_255(&mut e, "product_code", &self.product_code);
        rules::schema_is_gtin(&mut e, "product_code_schema", &self.product_code_schema);
        if !DECOMMISSION_REASONS.contains(&self.reason.as_str()) {
            e.push(FieldError::new(
                "reason",
                format!("must be one of {}, got \"{}\"", DECOMMISSION_REASONS.join(", "), self.reason),
            ));
        }
        check_serials(&mut e, &self.serials);
        e
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Self, Vec<FieldError>> {
        let mut f = JsonFields::new(v);
        let out = DecommissionRequest {
            product_code: f.str("product_code"),
            product_code_schema: f.str("product_code_schema"),
            reason: f.str("reason"),
            serials: f.str_list("serials"),
        };
        if f.errors.is_empty() {
            Ok(out)
        } else {
            Err(f.errors)
        }
    }
}

/// The kinds of extra labels; seed 003 lists none, its sample uses `amount`.
pub const EXTRA_LABEL_TYPES: [&str; 2] = ["amount", "percentage"];

/// Body of `POST label_orders/` (seed 003).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelOrderRequest {
    pub order_id: String,
    pub product_code: String,
    pub product_code_schema: String,
    pub batch: String,
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_label_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_label_type: Option<String>,
    pub destination_tag: String,
    pub template_tag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute: Option<bool>,
}

impl LabelOrderRequest {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        rules::text_1_255(&mut e, "order_id", &self.order_id);
        rules::text_1_255(&mut e, "product_code", &self.product_code);
        rules::schema_is_gtin(&mut e, "product_code_schema", &self.product_code_schema);
        if self.product_code_schema == "GTIN" && !self.product_code.is_empty() {
            rules::gtin(&mut e, "product_code", &self.product_code);
        }
        rules::text_1_255(&mut e, "batch", &self.batch);
        rules::range(&mut e, "quantity", self.quantity, 0, 100_000);
        if let Some(n) = self.extra_label_amount {
            rules::range(&mut e, "extra_label_amount", n, 0, 100_000);
            if self.extra_label_type.is_none() {
                e.push(FieldError::new(
                    "extra_label_type",
                    "is required when extra_label_amount is given (amount or percentage)",
                ));
            }
        }
        if let Some(t) = &self.extra_label_type {
            if !EXTRA_LABEL_TYPES.contains(&t.as_str()) {
                e.push(FieldError::new("extra_label_type", format!("must be amount or percentage, got \"{t}\"")));
            } else if t == "percentage" {
                if let Some(n) = self.extra_label_amount {
                    rules::range(&mut e, "extra_label_amount", n, 0, 100);
                }
            }
        }
        rules::text_1_255(&mut e, "destination_tag", &self.destination_tag);
        rules::text_1_255(&mut e, "template_tag", &self.template_tag);
        e
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Self, Vec<FieldError>> {
        let mut f = JsonFields::new(v);
        let out = LabelOrderRequest {
            order_id: f.str("order_id"),
            product_code: f.str("product_code"),
            product_code_schema: f.str("product_code_schema"),
            batch: f.str("batch"),
            quantity: f.int("quantity"),
            extra_label_amount: f.opt_int("extra_label_amount"),
            extra_label_type: f.opt_str("extra_label_type"),
            destination_tag: f.str("destination_tag"),
            template_tag: f.str("template_tag"),
            execute: f.opt_bool("execute"),
        };
        if f.errors.is_empty() {
            Ok(out)
        } else {
            Err(f.errors)
        }
    }

    /// Labels the order needs from the serial pool: the quantity plus its extras.
    pub fn labels_needed(&self) -> i64 {
        let extra = match (self.extra_label_amount, self.extra_label_type.as_deref()) {
            (Some(n), Some("percentage")) => (self.quantity * n + 99) / 100,
            (Some(n), _) => n,
            (None, _) => 0,
        };
        self.quantity + extra
    }
}

/// Body of `POST /v1/api_auth` (the dynamic-token request).
#[derive(Clone, Serialize, Deserialize)]
pub struct AuthRequest {
    pub api_key: String,
    pub api_secret: String,
}

impl std::fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthRequest { .. }")
    }
}

/// The documented error messages, shared by the simulator (which sends them) and the client
/// (which recognises them).
pub mod messages {
    pub const NO_TOKEN: &str = "No token provided";
    pub const TOKEN_FAILED: &str = "Failed to authenticate token";
    pub const CHANNEL_MISSING: &str = "Channel ID is missing or it needs to be in correct format";
    pub const BODY_NOT_PARSED: &str = "Request body could not be parsed";
    pub const VALIDATION: &str = "Validation error";
    pub const ORDER_NOT_FOUND: &str = "Packaging order not found";
    pub const BATCH_NOT_FOUND: &str = "Batch not found";
    pub const LABEL_ORDER_EXISTS: &str = "Label order already exists!";
    pub const TEMPLATE_MISSING: &str = "Printing template doesn't exist!";
    pub const DESTINATION_NOT_FOUND: &str = "Destination not found";
    pub const NOT_ENOUGH_ASSIGNED: &str = "Not enough serials assigned at the moment";
    pub const NOT_ENOUGH_REPLENISHING: &str =
        "Not enough serials available at the moment. More serials have been requested. Please try after some time.";
    pub const PRODUCT_NOT_FOUND: &str = "Product not found";
    pub const ERR_NO_TOKEN: &str = "ERR0001";
    pub const ERR_TOKEN_FAILED: &str = "ERR0000";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> CreatePackagingOrder {
        CreatePackagingOrder {
            order_id: "Order145".into(),
            product_code: "02022090117459".into(),
            product_code_schema: "GTIN".into(),
            batch: Some("B2405121".into()),
            expiry_date: Some("290512".into()),
            quantity: 10,
            extra_percentage: Some(10),
            ..Default::default()
        }
    }

    fn fields(e: &[FieldError]) -> Vec<&str> {
        e.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn packaging_order_rules() {
        assert!(order().validate(2026).is_empty());
        let mut o = order();
        o.order_id = String::new();
        o.quantity = 100_001;
        o.extra_percentage = Some(101);
        o.expiry_date = Some("290231".into());
        o.product_code_schema = "EAN".into();
        o.batch = Some("x".repeat(256));
        assert_eq!(
            fields(&o.validate(2026)),
            ["order_id", "product_code_schema", "batch", "expiry_date", "quantity", "extra_percentage"]
        );
        o = order();
        o.expiry_date = Some("291200".into());
        o.quantity = 0;
        assert!(o.validate(2026).is_empty(), "day 00 and quantity 0 are allowed");
        o.product_code = "02022090117458".into();
        assert_eq!(fields(&o.validate(2026)), ["product_code"]);
    }

    #[test]
    fn from_json_reports_types_per_field() {
        let v = serde_json::json!({"order_id": 5, "product_code_schema": "GTIN", "quantity": "ten"});
        let e = CreatePackagingOrder::from_json(&v).unwrap_err();
        assert_eq!(fields(&e), ["order_id", "product_code", "quantity"]);
    }

    #[test]
    fn label_extra_type_is_conditional() {
        let mut l = LabelOrderRequest {
            order_id: "L1".into(),
            product_code: "02026041310005".into(),
            product_code_schema: "GTIN".into(),
            batch: "MCS36042".into(),
            quantity: 10,
            extra_label_amount: Some(2),
            destination_tag: "d".into(),
            template_tag: "t".into(),
            ..Default::default()
        };
        assert_eq!(fields(&l.validate()), ["extra_label_type"]);
        l.extra_label_type = Some("amount".into());
        assert!(l.validate().is_empty());
        assert_eq!(l.labels_needed(), 12);
        l.extra_label_type = Some("percentage".into());
        l.extra_label_amount = Some(15);
        assert_eq!(l.labels_needed(), 12, "15% of 10 rounds up to 2");
        l.extra_label_type = Some("lots".into());
        assert_eq!(fields(&l.validate()), ["extra_label_type"]);
    }

    #[test]
    fn serial_rules() {
        let mut c = CommissionRequest {
            product_code: "02022090117459".into(),
            product_code_schema: "GTIN".into(),
            expiry_date: "290512".into(),
            serials: vec!["ABC123".into()],
            ..Default::default()
        };
        assert!(c.validate(2026, true).is_empty());
        c.serials = vec!["A".repeat(21), "bad serial".into(), String::new()];
        assert_eq!(fields(&c.validate(2026, true)), ["serials[0]", "serials[1]", "serials[2]"]);
        c.serials.clear();
        assert_eq!(fields(&c.validate(2026, true)), ["serials"]);
        c.serials = vec!["X1".into()];
        c.product_code = "01234567891234".into();
        assert_eq!(fields(&c.validate(2026, true)), ["product_code"]);
        assert!(c.validate(2026, false).is_empty(), "the GTIN check can be left to the server");
    }
}
