//! Field-level validation: the error type and the small checks the seeds' rules are made of.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One field that breaks a rule, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The seeds' "allowed character length is 1-255 characters" rule. Counted in characters,
/// not bytes, as the seeds do.
pub fn text_1_255(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    let n = value.chars().count();
    if n == 0 {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if n > 255 {
        errors.push(FieldError::new(field, format!("is {n} characters long; at most 255 are allowed")));
    }
}

/// Same as [`text_1_255`] for an optional field: absent is fine, present must follow the rule.
pub fn opt_text_1_255(errors: &mut Vec<FieldError>, field: &str, value: Option<&str>) {
    if let Some(v) = value {
        text_1_255(errors, field, v);
    }
}

/// An inclusive numeric range on a whole number.
pub fn range(errors: &mut Vec<FieldError>, field: &str, value: i64, min: i64, max: i64) {
    if value < min || value > max {
        errors.push(FieldError::new(field, format!("must be between {min} and {max}, got {value}")));
    }
}

/// A product code with schema GTIN: 1–255 characters and a valid GTIN with its check digit.
pub fn gtin(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    if value.is_empty() {
        errors.push(FieldError::new(field, "must not be empty"));
        return;
    }
    if let Err(problem) = crate::domain::gtin::validate(value) {
        errors.push(FieldError::new(field, format!("is not a valid GTIN: {problem}")));
    }
}

/// The only schema the Manufacturer API supports.
pub fn schema_is_gtin(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    if value != "GTIN" {
        errors.push(FieldError::new(field, format!("must be \"GTIN\" (the only supported schema), got \"{value}\"")));
    }
}

/// An expiry date in `YYMMDD` form with day `00` allowed.
pub fn expiry(errors: &mut Vec<FieldError>, field: &str, value: &str, this_year: i32) {
    if let Err(p) = crate::domain::date::parse_yymmdd(value, true, this_year) {
        errors.push(FieldError::new(field, format!("\"{value}\" is not a valid date: {p}")));
    }
}

/// Reads fields out of a JSON object with type errors reported per field, so a server can
/// answer "Validation error" with details instead of a bare parse failure.
pub struct JsonFields<'a> {
    obj: Option<&'a serde_json::Map<String, serde_json::Value>>,
    pub errors: Vec<FieldError>,
}

impl<'a> JsonFields<'a> {
    pub fn new(value: &'a serde_json::Value) -> Self {
        let obj = value.as_object();
        let mut errors = Vec::new();
        if obj.is_none() {
            errors.push(FieldError::new("body", "must be a JSON object"));
        }
        JsonFields { obj, errors }
    }

    fn get(&self, field: &str) -> Option<&'a serde_json::Value> {
        self.obj.and_then(|o| o.get(field)).filter(|v| !v.is_null())
    }

    fn missing(&mut self, field: &str) {
        self.errors.push(FieldError::new(field, "is required"));
    }

    pub fn opt_str(&mut self, field: &str) -> Option<String> {
        match self.get(field)? {
            serde_json::Value::String(s) => Some(s.clone()),
            _ => {
                self.errors.push(FieldError::new(field, "must be a string"));
                None
            }
        }
    }

    pub fn str(&mut self, field: &str) -> String {
        if self.get(field).is_none() {
            self.missing(field);
            return String::new();
        }
        self.opt_str(field).unwrap_or_default()
    }

    pub fn opt_int(&mut self, field: &str) -> Option<i64> {
        let v = self.get(field)?;
        match v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)) {
            Some(n) => Some(n),
            None => {
                self.errors.push(FieldError::new(field, "must be a whole number"));
                None
            }
        }
    }

    pub fn int(&mut self, field: &str) -> i64 {
        if self.get(field).is_none() {
            self.missing(field);
            return 0;
        }
        self.opt_int(field).unwrap_or_default()
    }

    pub fn opt_bool(&mut self, field: &str) -> Option<bool> {
        match self.get(field)? {
            serde_json::Value::Bool(b) => Some(*b),
            _ => {
                self.errors.push(FieldError::new(field, "must be true or false"));
                None
            }
        }
    }

    pub fn str_list(&mut self, field: &str) -> Vec<String> {
        match self.get(field) {
            None => {
                self.missing(field);
                Vec::new()
            }
            Some(serde_json::Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(s) => out.push(s.to_string()),
                        None => self.errors.push(FieldError::new(format!("{field}[{i}]"), "must be a string")),
                    }
                }
                out
            }
            Some(_) => {
                self.errors.push(FieldError::new(field, "must be a list of strings"));
                Vec::new()
            }
        }
    }
}
