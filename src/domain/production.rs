//! Wire types of Lagerkoll's Production orders API (seed 004): DTOs, the state machine's
//! states, query options with their defaults, and the error body.
//!
//! The seed's samples write some typed fields as strings (`"state": "0"`, `"waste": "0"`,
//! `"reserveInDepth": "false"`), so reading is lenient: a number or boolean is accepted
//! whether it comes bare or quoted. Writing follows the class tables' types.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Lenient readers for fields the seed's samples quote.
mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) if !s.trim().is_empty() => {
                Some(s.trim().parse().map_err(|_| serde::de::Error::custom(format!("not a number: {s:?}")))?)
            }
            _ => None,
        })
    }

    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Some(Value::String(s)) if !s.trim().is_empty() => {
                Some(s.trim().parse().map_err(|_| serde::de::Error::custom(format!("not a whole number: {s:?}")))?)
            }
            _ => None,
        })
    }

    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            Some(Value::Bool(b)) => Some(b),
            Some(Value::String(s)) => match s.trim() {
                "true" => Some(true),
                "false" => Some(false),
                "" => None,
                other => return Err(serde::de::Error::custom(format!("not true/false: {other:?}"))),
            },
            _ => None,
        })
    }

    /// Serial numbers in part traceability: the seed shows `[{}]`, so accept strings or
    /// objects holding one (`serial`, `serialNr`); empty objects are dropped.
    pub fn serials<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let items = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
        Ok(items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                Value::Object(o) => ["serial", "serialNr", "serialNumber"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(|s| s.as_str()).map(str::to_string)),
                _ => None,
            })
            .collect())
    }
}

/// The state of a production order. Written as its number (`NEW = 0` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderState {
    New = 0,
    Developing = 1,
    Finished = 2,
    Cancelled = 3,
}

impl OrderState {
    pub const ALL: [OrderState; 4] =
        [OrderState::New, OrderState::Developing, OrderState::Finished, OrderState::Cancelled];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(n: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|s| i64::from(s.code()) == n)
    }

    pub fn name(self) -> &'static str {
        match self {
            OrderState::New => "NEW",
            OrderState::Developing => "DEVELOPING",
            OrderState::Finished => "FINISHED",
            OrderState::Cancelled => "CANCELLED",
        }
    }

    /// Reads `0`…`3` or a name (`NEW`, `developing`, …).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(n) = s.parse::<i64>() {
            return Self::from_code(n);
        }
        Self::ALL.into_iter().find(|st| st.name().eq_ignore_ascii_case(s))
    }

    /// Finished and cancelled orders take no more changes.
    pub fn is_closed(self) -> bool {
        matches!(self, OrderState::Finished | OrderState::Cancelled)
    }
}

impl std::fmt::Display for OrderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for OrderState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for OrderState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let parsed = match &v {
            serde_json::Value::Number(n) => n.as_i64().and_then(OrderState::from_code),
            serde_json::Value::String(s) => OrderState::parse(s),
            _ => None,
        };
        parsed.ok_or_else(|| serde::de::Error::custom(format!("unknown production order state {v}")))
    }
}

/// `ProductionOrderDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProductionOrder {
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub order_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub customer_order_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_order_external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Epoch milliseconds, like every date of this API.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub start_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub end_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub finish_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub work_hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<OrderState>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_bool")]
    pub reserve_in_depth: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub store_state: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub total_amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub finished_amount: Option<f64>,
    /// Read-only: the order's articles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<ProductionOrderArticle>,
    /// Read-only: the parts of each article with reservations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub single_articles: Vec<SingleArticleGroup>,
}

/// `ProductionOrderArticleDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProductionOrderArticle {
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub production_order_id: Option<i64>,
    pub article_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub finished: Option<f64>,
    /// Finished plus waste is the total produced.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub waste: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
    /// Read-only: positive means overproduction, negative means waste.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub accuracy: Option<f64>,
}

/// `ProductionOrderSingleArticleGroupDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SingleArticleGroup {
    pub article_id: String,
    pub single_articles: Vec<SingleArticleReserved>,
}

/// `ProductionOrderSingleArticleReservedDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SingleArticleReserved {
    pub article_id: String,
    pub single_article_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub single_article_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub total_reserved: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub total_amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub part_amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub purchase_price: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_bool")]
    pub has_stock_value: Option<bool>,
}

/// `ProductionOrderArticlesResponseDto`: the answer to adding an article.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ArticlesResponse {
    pub articles: Vec<ProductionOrderArticle>,
    pub parts: Vec<SingleArticleGroup>,
}

/// `ProductionOrdersResponseDto`: one page of orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrdersPage {
    pub page: i64,
    pub pages: i64,
    pub page_size: i64,
    pub orders_count: i64,
    pub orders: Vec<ProductionOrder>,
}

/// `ProductionOrderBatchResponseDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    pub count_batch: i64,
    pub count_serial: i64,
    pub batches: Vec<ProductBatch>,
}

/// `ProductionOrderProductBatchDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProductBatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_nr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub ordered_amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub delivered_amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub best_before: Option<i64>,
}

/// `ProductionOrderRefDto`: the next free production order reference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NextReference {
    pub pr_reference: String,
}

/// `ProductionOrderArticleTraceabilityDto`: reporting production of an article.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ArticleTraceability {
    pub article_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(deserialize_with = "de_f64_or_zero")]
    pub amount: f64,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub best_before: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    pub part_traceability: Vec<PartTraceability>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub limit_part_amounts: Option<bool>,
}

fn de_f64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(lenient::opt_f64(d)?.unwrap_or(0.0))
}

/// `PartTraceabilityDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PartTraceability {
    pub article_id: String,
    #[serde(deserialize_with = "de_f64_or_zero")]
    pub amount: f64,
    pub batches: Vec<PartBatch>,
    #[serde(deserialize_with = "lenient::serials")]
    pub serial: Vec<String>,
}

/// `PartTraceabilityBatchDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PartBatch {
    pub batch_id: String,
    #[serde(deserialize_with = "de_f64_or_zero")]
    pub amount: f64,
}

/// `FlatBundledArticlesResponseDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FlatArticles {
    pub articles: Vec<FlatArticle>,
}

/// `FlatBundledArticleDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FlatArticle {
    pub article_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub reserved: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub part_amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub purchase_price: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub purchase_price_misc: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub purchase_price_shipment: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub supplier_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_article_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stockplace: Option<String>,
    pub purchase_orders: Vec<FlatPurchaseOrder>,
}

/// `FlatBundledArticlePurchaseOrderDto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FlatPurchaseOrder {
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub order_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_f64")]
    pub ordered: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub state: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_i64")]
    pub delivery_date: Option<i64>,
}

/// The error body of every refused request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorBody {
    pub error_code: i64,
    pub error_message: String,
    pub error_field: Option<String>,
    pub error_data: Option<serde_json::Value>,
}

/// The documented error codes.
pub mod codes {
    pub const CREDENTIALS: i64 = 900_001;
    pub const COMMON: i64 = 900_101;
    pub const TOO_MANY_REQUESTS: i64 = 900_429;
    pub const GET_ORDER: i64 = 903_001;
    pub const CREATE_ORDER: i64 = 903_002;
    pub const UPDATE_ORDER: i64 = 903_003;
    pub const GET_CUSTOMER_ORDER: i64 = 903_004;
}

/// Sort direction (`order` parameter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

/// `sort_column` of the order lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateColumn {
    #[default]
    StartDate,
    EndDate,
}

/// `sort_column` of the flat product list and the picking list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleColumn {
    #[default]
    Art,
    Name,
    Supplier,
    SupplierArt,
}

/// Options of `GET state/{state}` with the seed's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StateQuery {
    /// Epoch milliseconds; 0 means no lower bound.
    pub from: i64,
    /// Epoch milliseconds; 0 means no upper bound.
    pub to: i64,
    pub page: i64,
    pub limit: i64,
    pub sort_column: DateColumn,
    pub order: SortOrder,
}

impl Default for StateQuery {
    fn default() -> Self {
        StateQuery { from: 0, to: 0, page: 0, limit: 50, sort_column: DateColumn::StartDate, order: SortOrder::Desc }
    }
}

/// Options of `GET article/{article_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArticleQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_state: Option<u8>,
    pub page: i64,
    pub limit: i64,
    pub sort_column: DateColumn,
    pub order: SortOrder,
}

impl Default for ArticleQuery {
    fn default() -> Self {
        ArticleQuery { max_state: None, page: 0, limit: 50, sort_column: DateColumn::StartDate, order: SortOrder::Desc }
    }
}

/// Options of `GET production_orders_state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BetweenStatesQuery {
    pub state_from: u8,
    pub state_to: u8,
    pub page: i64,
    pub limit: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

impl Default for BetweenStatesQuery {
    fn default() -> Self {
        BetweenStatesQuery { state_from: 0, state_to: 3, page: 0, limit: 20, query: None }
    }
}

/// Options of `GET {order_id}/products/flat`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlatQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    pub order: SortOrderAsc,
    pub sort_column: ArticleColumn,
}

/// Sort direction whose default is ascending (the article lists).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrderAsc {
    #[default]
    Asc,
    Desc,
}

/// Options of `GET {order_id}/pickinglist/print`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PickingListQuery {
    pub filter_non_available: bool,
    pub article_images: bool,
    pub order: SortOrderAsc,
    pub sort_column: ArticleColumn,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seed_sample_shapes() {
        let v = r#"{ "finishedAmount": 4617.77, "orderId": 2339, "endDate": 1766443826229, "state": "0",
            "reserveInDepth": "false", "articles": [{ "waste": "0", "amount": 7501.5, "articleId": "a",
            "status": 1195 }], "singleArticles": [{ "articleId": "a", "singleArticles": [{
            "hasStockValue": true, "singleArticleId": "s", "articleId": "a" }] }] }"#;
        let o: ProductionOrder = serde_json::from_str(v).unwrap();
        assert_eq!(o.state, Some(OrderState::New));
        assert_eq!(o.reserve_in_depth, Some(false));
        assert_eq!(o.articles[0].waste, Some(0.0));
        let back = serde_json::to_value(&o).unwrap();
        assert_eq!(back["state"], 0, "written as the class table's Integer");
        assert_eq!(back["reserveInDepth"], false);
    }

    #[test]
    fn states() {
        assert_eq!(OrderState::parse("DEVELOPING"), Some(OrderState::Developing));
        assert_eq!(OrderState::parse("3"), Some(OrderState::Cancelled));
        assert_eq!(OrderState::parse("7"), None);
        assert!(OrderState::Finished.is_closed());
        assert!(!OrderState::New.is_closed());
    }

    #[test]
    fn part_serials_accept_strings_and_objects() {
        let p: PartTraceability =
            serde_json::from_str(r#"{"articleId":"p","amount":"2","serial":[{},"S1",{"serialNr":"S2"}]}"#).unwrap();
        assert_eq!(p.serial, ["S1", "S2"]);
        assert_eq!(p.amount, 2.0);
    }
}
