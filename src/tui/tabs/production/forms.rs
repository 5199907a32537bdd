//! The Production tab's forms: how each is laid out, prefilled from an order, checked before
//! anything is sent, and turned into a search or a change. No I/O here.
//!
//! Dates are typed as YYYY-MM-DD and sent as epoch milliseconds of local midnight, the way the
//! list shows them, so a date typed is the date shown.

use crate::domain::date::{days_in_month, full_year, parse_yymmdd};
use crate::domain::production::{
    ArticleColumn, ArticleTraceability, FlatQuery, OrderState, PartBatch, PartTraceability, PickingListQuery,
    ProductionOrder, ProductionOrderArticle, SortOrderAsc,
};
use crate::domain::FieldError;
use crate::scan::gs1::Decoded;
use crate::tui::clock::Zone;
use crate::tui::form::{Field, Form};
use crate::worker::{OrderSearch, ProdChange};

#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    Search,
    CustomerOrders,
    ArticleOrders,
    NewOrder,
    FromCustomerOrder,
    EditOrder,
    AddArticle,
    EditArticle(String),
    Report(String),
    PickingList,
    ProductFilter,
}

impl FormKind {
    pub fn title(&self) -> String {
        match self {
            FormKind::Search => "Search production orders".into(),
            FormKind::CustomerOrders => "Orders of a customer order".into(),
            FormKind::ArticleOrders => "Orders that contain an article".into(),
            FormKind::NewOrder => "New production order".into(),
            FormKind::FromCustomerOrder => "New production order from a customer order".into(),
            FormKind::EditOrder => "Edit production order".into(),
            FormKind::AddArticle => "Add an article".into(),
            FormKind::EditArticle(a) => format!("Edit article {a}"),
            FormKind::Report(a) => format!("Report production of {a}"),
            FormKind::PickingList => "Picking list".into(),
            FormKind::ProductFilter => "Filter the product list".into(),
        }
    }
}

/// What a filled-in form asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    Search(OrderSearch),
    /// A change to send; `confirm` holds the dialog's title and lines when it cannot be undone.
    Change {
        change: ProdChange,
        confirm: Option<(String, Vec<String>)>,
    },
    Products(FlatQuery),
    Picking {
        query: PickingListQuery,
        pdf: bool,
    },
}

fn states(with_any: bool) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    if with_any {
        v.push((String::new(), "any state".into()));
    }
    for s in [OrderState::New, OrderState::Developing, OrderState::Finished, OrderState::Cancelled] {
        v.push((s.name().into(), String::new()));
    }
    v
}

fn columns() -> Vec<(String, String)> {
    [("art", "article id"), ("name", "article name"), ("supplier", "supplier"), ("supplier_art", "supplier's article")]
        .into_iter()
        .map(|(v, l)| (v.into(), l.into()))
        .collect()
}

fn directions() -> Vec<(String, String)> {
    vec![("asc".into(), "A to Z".into()), ("desc".into(), "Z to A".into())]
}

/// The form of a kind, prefilled from the order (for edits) or the defaults.
pub fn build(kind: &FormKind, order: Option<&ProductionOrder>, flat: &FlatQuery, zone: Zone) -> Form {
    let mut form = match kind {
        FormKind::Search => {
            let mut f = Form::new(vec![
                Field::text("query", "Search text"),
                Field::choice("state_from", "From state", states(false)),
                Field::choice("state_to", "To state", states(false)),
                Field::text("date_from", "Dates from (Y-M-D)"),
                Field::text("date_to", "Dates until (Y-M-D)"),
            ]);
            f.set("state_to", OrderState::Cancelled.name());
            f
        }
        FormKind::CustomerOrders | FormKind::FromCustomerOrder => {
            Form::new(vec![Field::text("customer_order", "Customer order id")])
        }
        FormKind::ArticleOrders => Form::new(vec![
            Field::text("article_id", "Article id"),
            Field::choice("max_state", "Up to state", states(true)),
        ]),
        FormKind::NewOrder | FormKind::EditOrder => {
            let mut fields = vec![Field::text("pr_reference", "Reference"), Field::text("name", "Name")];
            if *kind == FormKind::NewOrder {
                fields.push(Field::text("customer_order_id", "Customer order id"));
            }
            fields.extend([
                Field::text("internal_reference", "Internal reference"),
                Field::text("comment", "Comment"),
                Field::text("start_date", "Start (YYYY-MM-DD)"),
                Field::text("end_date", "End (YYYY-MM-DD)"),
                Field::text("work_hours", "Work hours"),
                Field::toggle("reserve_in_depth", "Reserve in depth", false),
            ]);
            let mut f = Form::new(fields);
            if let (FormKind::EditOrder, Some(o)) = (kind, order) {
                f.set("pr_reference", o.pr_reference.as_deref().unwrap_or(""));
                f.set("name", o.name.as_deref().unwrap_or(""));
                f.set("internal_reference", o.internal_reference.as_deref().unwrap_or(""));
                f.set("comment", o.comment.as_deref().unwrap_or(""));
                f.set("start_date", &date_text(o.start_date, zone));
                f.set("end_date", &date_text(o.end_date, zone));
                f.set("work_hours", &o.work_hours.map(number_text).unwrap_or_default());
                f.set("reserve_in_depth", &o.reserve_in_depth.unwrap_or(false).to_string());
            }
            f
        }
        FormKind::AddArticle => Form::new(vec![
            Field::text("article_id", "Article id"),
            Field::text("amount", "Amount"),
            Field::text("time", "Time (hours)"),
        ]),
        FormKind::EditArticle(id) => {
            let mut f = Form::new(vec![Field::text("amount", "Amount"), Field::text("time", "Time (hours)")]);
            if let Some(a) = order.and_then(|o| o.articles.iter().find(|a| &a.article_id == id)) {
                f.set("amount", &a.amount.map(number_text).unwrap_or_default());
                f.set("time", &a.time.map(number_text).unwrap_or_default());
            }
            f
        }
        FormKind::Report(id) => {
            let mut fields = vec![
                Field::text("scan", "Scan a pack here"),
                Field::text("amount", "Amount good"),
                Field::text("waste", "Waste"),
                Field::text("batch", "Batch"),
                Field::text("serial", "Serial"),
                Field::text("best_before", "Best before (Y-M-D)"),
                Field::text("barcode", "Barcode"),
                Field::toggle("limit_part_amounts", "Limit part amounts", false),
            ];
            for part in parts_of(order, id) {
                fields.push(Field::text(format!("part:{part}:batches"), format!("{part} batches")));
                fields.push(Field::text(format!("part:{part}:serials"), format!("{part} serials")));
            }
            let mut f = Form::new(fields);
            f.set("waste", "0");
            f
        }
        FormKind::PickingList => Form::new(vec![
            Field::choice(
                "output",
                "Output",
                vec![("pdf".into(), "save the PDF (and print it)".into()), ("json".into(), "show it here".into())],
            ),
            Field::toggle("filter_non_available", "Only what is missing", false),
            Field::toggle("article_images", "Article images", false),
            Field::choice("sort_column", "Sort by", columns()),
            Field::choice("order", "Direction", directions()),
        ]),
        FormKind::ProductFilter => {
            let mut f = Form::new(vec![
                Field::text("query", "Search text"),
                Field::text("supplier", "Supplier"),
                Field::choice("sort_column", "Sort by", columns()),
                Field::choice("order", "Direction", directions()),
            ]);
            f.set("query", flat.query.as_deref().unwrap_or(""));
            f.set("supplier", flat.supplier.as_deref().unwrap_or(""));
            f.set("sort_column", column_name(flat.sort_column));
            f.set("order", if flat.order == SortOrderAsc::Desc { "desc" } else { "asc" });
            f
        }
    };
    form.focus = 0;
    form
}

/// The parts an article of the order is made of (from the order's reservations).
pub fn parts_of(order: Option<&ProductionOrder>, article_id: &str) -> Vec<String> {
    order
        .and_then(|o| o.single_articles.iter().find(|g| g.article_id == article_id))
        .map(|g| g.single_articles.iter().map(|p| p.single_article_id.clone()).collect())
        .unwrap_or_default()
}

/// Checks the form; on success, what it asks for. `order` is the order the form is about.
/// The customer orders' external ids (`CO-2026-4001`) seen on screen, with the number the API
/// wants (`4001`): the screen shows the one, the calls take the other.
pub type CustomerOrders = std::collections::BTreeMap<String, i64>;

pub fn submit(
    kind: &FormKind,
    form: &Form,
    order: Option<&ProductionOrder>,
    zone: Zone,
    known: &CustomerOrders,
) -> Result<Submitted, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = |key: &str| Some(form.value(key).trim().to_string()).filter(|v| !v.is_empty());
    let reference = order.and_then(|o| o.pr_reference.clone()).unwrap_or_default();
    let result = match kind {
        FormKind::Search => {
            let from = OrderState::parse(&form.value("state_from")).unwrap_or(OrderState::New);
            let to = OrderState::parse(&form.value("state_to")).unwrap_or(OrderState::Cancelled);
            if from.code() > to.code() {
                errors.push(FieldError::new("state_to", "must not come before the first state"));
            }
            let date_from = date_field(form, "date_from", zone, &mut errors);
            // "Until" takes the whole day.
            let date_to = date_field(form, "date_to", zone, &mut errors).map(|ms| ms + 86_400_000 - 1);
            if date_from.is_none() && date_to.is_none() {
                Submitted::Search(OrderSearch::Text { query: text("query").unwrap_or_default(), from, to })
            } else {
                // The API filters dates on its one-state list only, which has no search text.
                if from != to || text("query").is_some() {
                    let key = if date_from.is_some() { "date_from" } else { "date_to" };
                    errors.push(FieldError::new(key, "dates work with one state (From = To) and no search text"));
                }
                if let (Some(a), Some(b)) = (date_from, date_to) {
                    if b < a {
                        errors.push(FieldError::new("date_to", "must not be before the first date"));
                    }
                }
                Submitted::Search(OrderSearch::State {
                    state: Some(from),
                    sort: Default::default(),
                    order: Default::default(),
                    from: date_from.unwrap_or(0),
                    to: date_to.unwrap_or(0),
                })
            }
        }
        FormKind::CustomerOrders | FormKind::FromCustomerOrder => {
            let id = customer_order(form, "customer_order", known, &mut errors).unwrap_or(0);
            if *kind == FormKind::CustomerOrders {
                Submitted::Search(OrderSearch::CustomerOrder(id))
            } else {
                Submitted::Change {
                    change: ProdChange::CreateFromCustomerOrder(id),
                    confirm: Some((
                        "Create a production order?".into(),
                        vec![
                            format!("A new production order is made from customer order {id},"),
                            "with the customer order's articles and amounts.".into(),
                        ],
                    )),
                }
            }
        }
        FormKind::ArticleOrders => {
            let article_id = text("article_id").unwrap_or_default();
            if article_id.is_empty() {
                errors.push(FieldError::new("article_id", "type or scan the article id"));
            }
            let max_state = OrderState::parse(&form.value("max_state"));
            Submitted::Search(OrderSearch::Article {
                article_id,
                max_state,
                sort: Default::default(),
                order: Default::default(),
            })
        }
        FormKind::NewOrder | FormKind::EditOrder => {
            let mut o =
                if *kind == FormKind::EditOrder { order.cloned().unwrap_or_default() } else { Default::default() };
            // Articles and reservations are changed through their own calls, not through the header.
            o.articles.clear();
            o.single_articles.clear();
            o.pr_reference = text("pr_reference");
            if o.pr_reference.is_none() {
                errors.push(FieldError::new("pr_reference", "must not be empty"));
            }
            o.name = text("name");
            if o.name.is_none() {
                errors.push(FieldError::new("name", "must not be empty"));
            }
            if *kind == FormKind::NewOrder {
                o.customer_order_id = customer_order(form, "customer_order_id", known, &mut errors);
            }
            for key in ["pr_reference", "name", "internal_reference", "comment"] {
                if form.value(key).chars().count() > 255 {
                    errors.push(FieldError::new(key, "at most 255 characters"));
                }
            }
            o.internal_reference = text("internal_reference").or(o.internal_reference.map(|_| String::new()));
            o.comment = text("comment").or(o.comment.map(|_| String::new()));
            o.start_date = date_field(form, "start_date", zone, &mut errors);
            o.end_date = date_field(form, "end_date", zone, &mut errors);
            if let (Some(s), Some(e)) = (o.start_date, o.end_date) {
                if e < s {
                    errors.push(FieldError::new("end_date", "must not be before the start"));
                }
            }
            o.work_hours = number_field(form, "work_hours", false, &mut errors);
            o.reserve_in_depth = Some(form.value("reserve_in_depth") == "true");
            if *kind == FormKind::NewOrder {
                let name = o.pr_reference.clone().unwrap_or_default();
                Submitted::Change {
                    confirm: Some((
                        format!("Create production order {name}?"),
                        vec![
                            format!("{name} — {}", o.name.as_deref().unwrap_or("")),
                            "It starts as NEW; add its articles next.".into(),
                        ],
                    )),
                    change: ProdChange::Create(Box::new(o)),
                }
            } else {
                Submitted::Change { change: ProdChange::Edit(Box::new(o)), confirm: None }
            }
        }
        FormKind::AddArticle | FormKind::EditArticle(_) => {
            let article_id = match kind {
                FormKind::EditArticle(id) => id.clone(),
                _ => text("article_id").unwrap_or_default(),
            };
            if article_id.is_empty() {
                errors.push(FieldError::new("article_id", "type or scan the article id"));
            }
            let amount = number_field(form, "amount", true, &mut errors);
            if amount == Some(0.0) {
                errors.push(FieldError::new("amount", "must be more than 0"));
            }
            let a = ProductionOrderArticle {
                production_order_id: order.and_then(|o| o.order_id),
                article_id,
                amount,
                time: number_field(form, "time", false, &mut errors),
                ..Default::default()
            };
            let change =
                if *kind == FormKind::AddArticle { ProdChange::AddArticle(a) } else { ProdChange::EditArticle(a) };
            Submitted::Change { change, confirm: None }
        }
        FormKind::Report(article_id) => {
            let amount = number_field(form, "amount", true, &mut errors).unwrap_or(0.0);
            let waste = number_field(form, "waste", false, &mut errors).unwrap_or(0.0);
            if amount == 0.0 && waste == 0.0 && !errors.iter().any(|e| e.field == "amount") {
                errors.push(FieldError::new("amount", "report a good amount, a waste, or both"));
            }
            let mut parts = Vec::new();
            for part in parts_of(order, article_id) {
                if let Some(p) = part_report(form, &part, &mut errors) {
                    parts.push(p);
                }
            }
            let report = ArticleTraceability {
                article_id: article_id.clone(),
                batch: text("batch"),
                serial: text("serial"),
                amount,
                best_before: date_field(form, "best_before", zone, &mut errors),
                barcode: text("barcode"),
                part_traceability: parts,
                limit_part_amounts: Some(form.value("limit_part_amounts") == "true"),
            };
            let mut lines = vec![format!(
                "{} good, {} waste of {article_id} on {reference}",
                number_text(amount),
                number_text(waste)
            )];
            if report.batch.is_some() || report.serial.is_some() {
                lines.push(format!(
                    "batch {} · serial {} · best before {}",
                    report.batch.as_deref().unwrap_or("-"),
                    report.serial.as_deref().unwrap_or("-"),
                    form.value("best_before").trim()
                ));
            }
            lines.push("A report cannot be taken back.".into());
            Submitted::Change {
                change: ProdChange::Report { waste, report: Box::new(report) },
                confirm: Some(("Report production?".into(), lines)),
            }
        }
        FormKind::PickingList => {
            let query = PickingListQuery {
                filter_non_available: form.value("filter_non_available") == "true",
                article_images: form.value("article_images") == "true",
                order: direction(&form.value("order")),
                sort_column: column(&form.value("sort_column")),
            };
            Submitted::Picking { query, pdf: form.value("output") == "pdf" }
        }
        FormKind::ProductFilter => Submitted::Products(FlatQuery {
            query: text("query"),
            supplier: text("supplier"),
            order: direction(&form.value("order")),
            sort_column: column(&form.value("sort_column")),
        }),
    };
    if errors.is_empty() {
        Ok(result)
    } else {
        Err(errors)
    }
}

/// One part's line of a report: batches as `B1=10, B2=5` (a lone batch takes the whole part
/// amount) and serials separated by commas or blanks. `None` when the part was left empty.
fn part_report(form: &Form, part: &str, errors: &mut Vec<FieldError>) -> Option<PartTraceability> {
    let bkey = format!("part:{part}:batches");
    let skey = format!("part:{part}:serials");
    let batches_text = form.value(&bkey);
    let serials: Vec<String> =
        form.value(&skey).split([',', ' ', ';']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    let mut batches = Vec::new();
    for item in batches_text.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let (id, amount) = match item.split_once('=') {
            Some((id, n)) => match n.trim().replace(',', ".").parse::<f64>() {
                Ok(n) if n > 0.0 && n.is_finite() => (id.trim(), n),
                _ => {
                    errors.push(FieldError::new(&bkey, format!("\"{item}\": write batch=amount, e.g. B1=10")));
                    continue;
                }
            },
            None => (item, 0.0),
        };
        batches.push(PartBatch { batch_id: id.to_string(), amount });
    }
    if batches.is_empty() && serials.is_empty() {
        return None;
    }
    let listed: f64 = batches.iter().map(|b| b.amount).sum();
    let amount = if listed > 0.0 { listed } else { serials.len() as f64 };
    Some(PartTraceability { article_id: part.to_string(), amount, batches, serial: serials })
}

/// A customer order as the operator knows it: its number (`4001`) or the external id the screen
/// shows (`CO-2026-4001`), for an order seen here. Required for the customer-order forms.
fn customer_order(form: &Form, key: &str, known: &CustomerOrders, errors: &mut Vec<FieldError>) -> Option<i64> {
    let v = form.value(key);
    let v = v.trim();
    let required = key == "customer_order";
    if v.is_empty() {
        if required {
            errors.push(FieldError::new(key, "type the customer order (e.g. 4001 or CO-2026-4001)"));
        }
        return None;
    }
    if let Some((_, id)) = known.iter().find(|(ext, _)| ext.eq_ignore_ascii_case(v)) {
        return Some(*id);
    }
    match v.parse::<i64>() {
        Ok(n) if n > 0 => Some(n),
        Ok(_) => {
            errors.push(FieldError::new(key, "must be more than 0"));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(key, "not a customer order shown here: type its number (e.g. 4001)"));
            None
        }
    }
}

fn number_field(form: &Form, key: &str, required: bool, errors: &mut Vec<FieldError>) -> Option<f64> {
    let v = form.value(key);
    let v = v.trim();
    if v.is_empty() {
        if required {
            errors.push(FieldError::new(key, "must not be empty"));
        }
        return None;
    }
    match v.replace(',', ".").parse::<f64>() {
        Ok(n) if n >= 0.0 && n.is_finite() => Some(n),
        _ => {
            errors.push(FieldError::new(key, "must be a number, 0 or more (e.g. 12 or 2.5)"));
            None
        }
    }
}

fn date_field(form: &Form, key: &str, zone: Zone, errors: &mut Vec<FieldError>) -> Option<i64> {
    let v = form.value(key);
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok().and_then(|d| zone.midnight_ms(d)) {
        Some(ms) => Some(ms),
        None => {
            errors.push(FieldError::new(key, "write the date as YYYY-MM-DD, e.g. 2026-12-31"));
            None
        }
    }
}

/// Epoch milliseconds as YYYY-MM-DD in the station's time; empty when absent.
pub fn date_text(ms: Option<i64>, zone: Zone) -> String {
    ms.and_then(|m| zone.date_of_ms(m)).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn column(v: &str) -> ArticleColumn {
    match v {
        "name" => ArticleColumn::Name,
        "supplier" => ArticleColumn::Supplier,
        "supplier_art" => ArticleColumn::SupplierArt,
        _ => ArticleColumn::Art,
    }
}

pub fn column_name(c: ArticleColumn) -> &'static str {
    match c {
        ArticleColumn::Art => "art",
        ArticleColumn::Name => "name",
        ArticleColumn::Supplier => "supplier",
        ArticleColumn::SupplierArt => "supplier_art",
    }
}

fn direction(v: &str) -> SortOrderAsc {
    if v == "desc" {
        SortOrderAsc::Desc
    } else {
        SortOrderAsc::Asc
    }
}

/// Fills the report form from a decoded pack code: batch (10), serial (21), best before (17),
/// and the code itself as the barcode. Returns what was filled, for the message line.
pub fn fill_from_scan(form: &mut Form, decoded: &Decoded, this_year: i32) -> Vec<&'static str> {
    let mut filled = Vec::new();
    if let Some(b) = decoded.get("10") {
        form.set("batch", b);
        filled.push("batch");
    }
    if let Some(s) = decoded.get("21") {
        form.set("serial", s);
        filled.push("serial");
    }
    if let Some(d) = decoded.get("17").and_then(|d| gs1_date(d, this_year)) {
        form.set("best_before", &d);
        filled.push("best before");
    }
    form.set("barcode", &decoded.hri());
    filled.push("barcode");
    for f in &mut form.fields {
        if ["batch", "serial", "best_before", "barcode"].contains(&f.key.as_str()) {
            f.error = None;
        }
    }
    filled
}

/// A GS1 `YYMMDD` as YYYY-MM-DD; day 00 is the month's last day.
fn gs1_date(yymmdd: &str, this_year: i32) -> Option<String> {
    let d = parse_yymmdd(yymmdd, true, this_year).ok()?;
    let year = full_year(d.yy, this_year);
    let day = if d.day == 0 { days_in_month(year, d.month) } else { d.day };
    Some(format!("{year:04}-{:02}-{day:02}", d.month))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::production::{SingleArticleGroup, SingleArticleReserved};

    fn order() -> ProductionOrder {
        ProductionOrder {
            order_id: Some(7),
            pr_reference: Some("PR-7".into()),
            name: Some("Seven".into()),
            articles: vec![ProductionOrderArticle { article_id: "A".into(), amount: Some(10.0), ..Default::default() }],
            single_articles: vec![SingleArticleGroup {
                article_id: "A".into(),
                single_articles: vec![SingleArticleReserved {
                    article_id: "A".into(),
                    single_article_id: "P1".into(),
                    ..Default::default()
                }],
            }],
            ..Default::default()
        }
    }

    #[test]
    fn report_with_parts_and_a_scanned_code() {
        let kind = FormKind::Report("A".into());
        let mut f = build(&kind, Some(&order()), &FlatQuery::default(), Zone::utc());
        let decoded =
            crate::scan::gs1::decode("(01)09520123456788(17)290500(10)L1(21)S9", &Default::default()).unwrap();
        assert_eq!(fill_from_scan(&mut f, &decoded, 2026), ["batch", "serial", "best before", "barcode"]);
        assert_eq!(f.value("best_before"), "2029-05-31", "day 00 is the month's last day");
        f.set("amount", "3");
        f.set("part:P1:batches", "PB1=2, PB2=1");
        f.set("part:P1:serials", "X1 X2");
        let Submitted::Change { change: ProdChange::Report { waste, report }, confirm: Some(_) } =
            submit(&kind, &f, Some(&order()), Zone::utc(), &Default::default()).unwrap()
        else {
            panic!("expected a confirmed report")
        };
        assert_eq!(waste, 0.0);
        assert_eq!((report.batch.as_deref(), report.serial.as_deref()), (Some("L1"), Some("S9")));
        assert_eq!(report.barcode.as_deref(), Some("(01)09520123456788(17)290500(10)L1(21)S9"));
        assert_eq!(report.part_traceability[0].amount, 3.0);
        assert_eq!(report.part_traceability[0].batches[1].batch_id, "PB2");
        assert_eq!(report.part_traceability[0].serial, ["X1", "X2"]);
    }

    #[test]
    fn bad_values_are_named_on_their_fields() {
        let kind = FormKind::NewOrder;
        let mut f = build(&kind, None, &FlatQuery::default(), Zone::utc());
        f.set("start_date", "2026-13-01");
        f.set("work_hours", "-1");
        f.set("customer_order_id", "x");
        let errors = submit(&kind, &f, None, Zone::utc(), &Default::default()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["pr_reference", "name", "customer_order_id", "start_date", "work_hours"]);
    }

    #[test]
    fn an_edit_keeps_what_the_form_does_not_show() {
        let mut o = order();
        o.customer_order_id = Some(4001);
        o.start_date = Zone::utc().midnight_ms(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        let f = build(&FormKind::EditOrder, Some(&o), &FlatQuery::default(), Zone::utc());
        assert_eq!(f.value("start_date"), "2026-11-20");
        let Submitted::Change { change: ProdChange::Edit(edited), confirm: None } =
            submit(&FormKind::EditOrder, &f, Some(&o), Zone::utc(), &Default::default()).unwrap()
        else {
            panic!("an edit is sent without a dialog")
        };
        assert_eq!(edited.customer_order_id, Some(4001));
        assert_eq!(edited.start_date, o.start_date);
        assert!(edited.articles.is_empty(), "articles change through their own calls");
    }
}
