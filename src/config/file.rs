//! The config file as written: TOML with snake_case keys, unknown keys refused.
//!
//! These types only describe the file; `super::validate` turns them into the runtime config.

use super::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;

pub const MANUFACTURER_BASE_URL: &str = "https://api.movilitas.cloud/v1/manufacturer/v2/api/";
pub const PRODUCTION_BASE_URL: &str = "https://capi.lagerkoll.com/v1/production_orders/";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub station: StationFile,
    pub manufacturer: ManufacturerFile,
    pub production: ProductionFile,
    pub ui: UiFile,
    /// Action name → key names, e.g. `submit = ["ctrl+s", "f10"]`.
    pub keys: BTreeMap<String, Vec<String>>,
    pub labels: LabelsFile,
    pub scanner: ScannerFile,
    pub scan: ScanFile,
    pub kiosk: super::access::KioskFile,
    pub signin: super::access::SigninFile,
    pub operators: Vec<super::access::OperatorFile>,
    pub signatures: super::signatures::SignaturesFile,
    pub printers: Vec<super::printers::PrinterFile>,
    pub printing: super::printers::PrintingFile,
    pub network: super::network::NetworkFile,
    pub log: super::log::LogFile,
    pub line_store: Option<super::line_store::LineStoreFile>,
}

/// How the barcode scanner types.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScannerFile {
    /// Text before every scan: "" (none), an AIM identifier such as "]d2", or a custom marker.
    pub prefix: String,
    /// More prefixes, when the station meets several symbologies (]d2, ]C1, ]Q3, …).
    pub prefixes: Vec<String>,
    /// The key that ends a scan: "enter", "tab" or "lf".
    pub suffix: String,
    /// How the GS1 separator arrives: "gs" (the 0x1D byte), "ctrl+]", "f8", or one character.
    pub separator: String,
    /// Keys closer together than this (ms) are one burst.
    pub burst_window_ms: u64,
    /// A burst of at least this many characters ending with the suffix is a scan.
    pub min_scan_length: usize,
}

impl Default for ScannerFile {
    fn default() -> Self {
        ScannerFile {
            prefix: String::new(),
            prefixes: Vec::new(),
            suffix: "enter".into(),
            separator: "gs".into(),
            burst_window_ms: 40,
            min_scan_length: 8,
        }
    }
}

/// The scan panel and commissioning.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScanFile {
    /// Serials per commissioning request.
    pub batch_size: usize,
    /// Milliseconds to wait for more scans before sending a batch that is not full.
    pub max_wait_ms: u64,
    /// Whether an alarm blocks further scans until it is acknowledged.
    pub block_on_alarm: bool,
    /// Whether an alarm rings the terminal bell.
    pub bell: bool,
    /// A barcode that acknowledges alarms when scanned ("" for none).
    pub ack_barcode: String,
    /// Scanning this prefix followed by an order id makes that order active ("" for none).
    pub order_barcode_prefix: String,
    /// Check requisite AIs (a serial needs a GTIN, …) as well.
    pub requisites: bool,
    /// Packs an order may take beyond its quantity, in percent of it (0-100).
    pub overfill_tolerance_percent: u32,
}

impl Default for ScanFile {
    fn default() -> Self {
        ScanFile {
            batch_size: 100,
            max_wait_ms: 200,
            block_on_alarm: true,
            bell: true,
            ack_barcode: "ACK".into(),
            order_barcode_prefix: "ORDER:".into(),
            requisites: false,
            overfill_tolerance_percent: 0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiFile {
    /// A built-in theme name (default, high-contrast, mono) or a path to a theme file.
    pub theme: String,
    /// Seconds between refreshes of the open orders.
    pub refresh_secs: u64,
    /// "auto" (ASCII when the locale names a codeset other than UTF-8), "utf-8" or "ascii".
    pub charset: String,
}

impl Default for UiFile {
    fn default() -> Self {
        UiFile { theme: "default".into(), refresh_secs: 30, charset: "auto".into() }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelsFile {
    pub destinations: Vec<TagFile>,
    pub templates: Vec<TagFile>,
}

/// A Zebra destination or ZPL template as registered in Movilitas.Cloud.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagFile {
    pub tag: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StationFile {
    pub id: String,
    pub packaging_line_tag: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenMode {
    #[default]
    Static,
    Dynamic,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum HeaderStyle {
    #[default]
    #[serde(rename = "x-access-token")]
    XAccessToken,
    #[serde(rename = "bearer")]
    Bearer,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ManufacturerFile {
    pub base_url: String,
    pub auth_url: Option<String>,
    pub token_mode: TokenMode,
    pub token: Option<Secret>,
    pub api_key: Option<Secret>,
    pub api_secret: Option<Secret>,
    pub token_field: String,
    pub token_renew_after_secs: u64,
    pub header_style: HeaderStyle,
    pub channel_key: Option<Secret>,
    pub timeout_secs: u64,
    pub paths: PathsFile,
}

impl Default for ManufacturerFile {
    fn default() -> Self {
        ManufacturerFile {
            base_url: MANUFACTURER_BASE_URL.into(),
            auth_url: None,
            token_mode: TokenMode::Static,
            token: None,
            api_key: None,
            api_secret: None,
            token_field: "token".into(),
            // A dynamic token lives one day; renew an hour early.
            token_renew_after_secs: 23 * 3600,
            header_style: HeaderStyle::XAccessToken,
            channel_key: None,
            timeout_secs: 10,
            paths: PathsFile::default(),
        }
    }
}

/// Endpoint paths relative to the base URL. Only some are public; all can be changed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PathsFile {
    pub packaging_order_details: String,
    pub open_packaging_orders: String,
    pub create_packaging_order: String,
    pub commission: String,
    pub decommission: String,
    pub label_orders: String,
}

impl Default for PathsFile {
    fn default() -> Self {
        PathsFile {
            packaging_order_details: "packaging_order/details".into(),
            open_packaging_orders: "packaging_order/open".into(),
            create_packaging_order: "packaging_order".into(),
            commission: "serials/commission".into(),
            decommission: "serials/decommission".into(),
            label_orders: "label_orders/".into(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductionFile {
    pub base_url: String,
    pub api_key: Option<Secret>,
    pub store: Option<Secret>,
    pub requests_per_minute: u32,
    pub timeout_secs: u64,
    /// A command the picking-list PDF is handed to, e.g. `lp -d pick-printer`.
    pub print_command: Option<String>,
}

impl Default for ProductionFile {
    fn default() -> Self {
        ProductionFile {
            base_url: PRODUCTION_BASE_URL.into(),
            api_key: None,
            store: None,
            requests_per_minute: 200,
            timeout_secs: 10,
            print_command: None,
        }
    }
}
