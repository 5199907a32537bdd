//! The demo data the simulator starts with: the products, batches, line, destination and
//! template named in the seeds' sample requests, plus enough around them to be worth a look.

use super::rng::Rng;
use super::world::*;
use crate::domain::manufacturer::PackagingOrder;
use crate::domain::production::{OrderState, ProductBatch, ProductionOrder, ProductionOrderArticle};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

pub const LINE_1: &str = "test-packaging-line-1";
pub const LINE_2: &str = "test-packaging-line-2";

/// (GTIN, name, batches, pool size, refills itself).
const PRODUCTS: &[(&str, &str, &[&str], u64, bool)] = &[
    ("02022090117459", "Paracetamol 500 mg, 20 tablets", &["B2405121", "B2405122"], 100_000, true),
    ("02026041310005", "Ibuprofen 400 mg, 30 tablets", &["MCS36042", "MCS36043"], 100_000, true),
    // Seed 002's sample code: its check digit is wrong, but the seed's request must work.
    ("01234567891234", "Seed 002 sample product (legacy code)", &["BATCH002"], 1_000, false),
    ("04023456000017", "Amoxicillin 250 mg/5 ml, 100 ml", &["AMX2601", "AMX2602"], 100_000, true),
    ("04023456000024", "Omeprazole 20 mg, 28 capsules", &["OME2611"], 40, true),
    ("04023456000031", "Metformin 850 mg, 60 tablets", &["MET2603"], 15, false),
    ("04023456000048", "Atorvastatin 10 mg, 30 tablets", &["ATV2609"], 100_000, true),
];

/// (id, description, GTIN, batch, expiry, quantity, extra %, line, status).
type PackagingRow =
    (&'static str, &'static str, &'static str, &'static str, &'static str, i64, i64, &'static str, &'static str);
const PACKAGING_ORDERS: &[PackagingRow] = &[
    ("Order143", "Packaging Order 143", "02022090117459", "B2405121", "290512", 10, 10, LINE_1, "Open"),
    ("PO-2611-001", "Amoxicillin week 47", "04023456000017", "AMX2601", "281100", 5_000, 5, LINE_1, "Open"),
    ("PO-2611-002", "Ibuprofen week 47", "02026041310005", "MCS36042", "280630", 2_400, 10, LINE_1, "In progress"),
    ("PO-2611-003", "Omeprazole launch", "04023456000024", "OME2611", "290131", 1_200, 0, LINE_1, "Pending release"),
    ("PO-2611-004", "Metformin refill", "04023456000031", "MET2603", "271231", 800, 5, LINE_2, "Open"),
    ("PO-2611-005", "Atorvastatin export", "04023456000048", "ATV2609", "290930", 3_000, 2, LINE_2, "Suspended"),
    ("PO-2610-099", "Paracetamol October", "02022090117459", "B2405122", "290512", 1_000, 10, LINE_1, "Closed"),
    // A long run of Order143's pack (the seed's example takes 10): bursts and benchmarks scan it.
    (
        "Order150",
        "Packaging Order 150, long run",
        "02022090117459",
        "B2405121",
        "290512",
        100_000,
        5,
        LINE_1,
        "In progress",
    ),
];

/// (id, name, unit, supplier id, supplier, supplier's article id, stock place, price, in stock).
type PartRow = (&'static str, &'static str, &'static str, i64, &'static str, &'static str, &'static str, f64, f64);
const PARTS: &[PartRow] = &[
    ("BLISTER-20", "Blister foil, 20 cavities", "pcs", 501, "Alufoil GmbH", "AF-20C", "A-01-03", 0.12, 50_000.0),
    ("CARTON-S", "Folding carton, small", "pcs", 502, "Kartonwerk AB", "KW-S1", "B-02-01", 0.08, 20_000.0),
    ("LEAFLET-PCM", "Patient leaflet, paracetamol", "pcs", 503, "PrintPharm Ltd", "PP-L-7", "B-03-05", 0.02, 1_000.0),
    ("LABEL-2D", "Carton label, DataMatrix", "pcs", 504, "Label Supplies Oy", "LS-2D-50", "C-01-01", 0.01, 100_000.0),
    ("BOTTLE-100", "Amber glass bottle, 100 ml", "pcs", 505, "Glasbruk AS", "GB-100A", "A-04-02", 0.21, 4_000.0),
];

/// (id, name, parts per unit).
type ArticleRow = (&'static str, &'static str, &'static [(&'static str, f64)]);
const ARTICLES: &[ArticleRow] = &[
    (
        "ART-PCM-20",
        "Paracetamol 500 mg carton",
        &[("BLISTER-20", 1.0), ("CARTON-S", 1.0), ("LEAFLET-PCM", 1.0), ("LABEL-2D", 1.0)],
    ),
    ("ART-IBU-30", "Ibuprofen 400 mg carton", &[("BLISTER-20", 2.0), ("CARTON-S", 1.0), ("LABEL-2D", 1.0)]),
    ("ART-AMX-100", "Amoxicillin suspension bottle", &[("BOTTLE-100", 1.0), ("CARTON-S", 1.0), ("LABEL-2D", 1.0)]),
    // An id with slashes: the API's article paths are `{article_id : .+}`.
    ("ART/OME/28", "Omeprazole 20 mg carton", &[("BLISTER-20", 2.0), ("CARTON-S", 1.0), ("LABEL-2D", 1.0)]),
    ("ART-MET-60", "Metformin 850 mg carton", &[("BLISTER-20", 3.0), ("CARTON-S", 1.0), ("LABEL-2D", 1.0)]),
];

const DAY_MS: i64 = 24 * 3600 * 1000;

pub fn build(seed: u64, per_window: usize, window: Duration, faults: Faults) -> World {
    let now = Instant::now();
    let products = PRODUCTS
        .iter()
        .map(|(gtin, name, batches, pool, refill)| {
            let p = Product {
                name: (*name).into(),
                batches: batches.iter().map(|b| b.to_string()).collect::<BTreeSet<_>>(),
                pool_available: *pool,
                auto_replenish: *refill,
                refill_at: None,
            };
            (gtin.to_string(), p)
        })
        .collect();
    let packaging_orders = PACKAGING_ORDERS
        .iter()
        .map(|(id, desc, gtin, batch, exp, qty, extra, line, status)| {
            let o = PackagingOrder {
                order_id: (*id).into(),
                order_description: Some((*desc).into()),
                product_code: (*gtin).into(),
                product_code_schema: "GTIN".into(),
                batch: Some((*batch).into()),
                expiry_date: Some((*exp).into()),
                quantity: *qty,
                extra_percentage: Some(*extra),
                serialized: Some(true),
                packaging_line_tag: Some((*line).into()),
                market: Some("EU".into()),
                status: (*status).into(),
            };
            (id.to_string(), o)
        })
        .collect();
    let parts = PARTS
        .iter()
        .map(|(id, name, unit, sid, sname, sart, place, price, stock)| {
            let p = PartInfo {
                name: (*name).into(),
                unit: (*unit).into(),
                supplier_id: *sid,
                supplier_name: (*sname).into(),
                supplier_article_id: (*sart).into(),
                stockplace: (*place).into(),
                purchase_price: *price,
                in_stock: *stock,
            };
            (id.to_string(), p)
        })
        .collect();
    let articles = ARTICLES
        .iter()
        .map(|(id, name, parts)| {
            let a =
                ArticleInfo { name: (*name).into(), parts: parts.iter().map(|(p, n)| (p.to_string(), *n)).collect() };
            (id.to_string(), a)
        })
        .collect();
    let customer_orders: BTreeMap<i64, CustomerOrder> = [
        (4001, "CO-2026-4001", "Apotek Hjärtat", vec![("ART-PCM-20", 5_000.0), ("ART-IBU-30", 2_000.0)]),
        (4002, "CO-2026-4002", "Kronans Apotek", vec![("ART-AMX-100", 1_200.0)]),
        (4003, "CO-2026-4003", "Apoteket AB", vec![("ART/OME/28", 3_000.0)]),
        (4004, "CO-2026-4004", "Farmacia Central", vec![("ART-MET-60", 800.0)]),
    ]
    .into_iter()
    .map(|(id, ext, customer, arts)| {
        let co = CustomerOrder {
            id,
            external_id: ext.into(),
            customer: customer.into(),
            articles: arts.into_iter().map(|(a, n)| (a.to_string(), n)).collect(),
        };
        (id, co)
    })
    .collect();

    let mut world = World {
        rng: Rng::new(seed),
        started: now,
        tokens: HashMap::new(),
        products,
        commissioned: HashMap::new(),
        packaging_orders,
        destinations: [
            ("zebra-cloud-device-1", "Line 1 carton printer (Zebra ZT411)"),
            ("zebra-cloud-device-2", "Line 2 carton printer (Zebra ZT421)"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        templates: [
            ("data-matrix-example", "GS1 DataMatrix carton label"),
            ("gs1-128-shipper", "GS1-128 shipper label"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        label_orders: Vec::new(),
        customer_orders,
        articles,
        parts,
        prod_orders: BTreeMap::new(),
        next_prod_id: 1001,
        next_pr_ref: 1001,
        faults,
        rate: RateLimit { per_window, window, sent: VecDeque::new() },
        log: VecDeque::new(),
    };
    add_production_orders(&mut world);
    world
}

fn add_production_orders(w: &mut World) {
    let today = now_ms() - now_ms().rem_euclid(DAY_MS);
    // (name, customer order, state, article, amount, finished, waste, start offset in days)
    type Row = (&'static str, Option<i64>, OrderState, &'static str, f64, f64, f64, i64);
    let rows: &[Row] = &[
        ("Paracetamol cartons for CO-2026-4001", Some(4001), OrderState::New, "ART-PCM-20", 5_000.0, 0.0, 0.0, 2),
        ("Ibuprofen week 47", None, OrderState::Developing, "ART-IBU-30", 2_000.0, 850.0, 12.0, -3),
        (
            "Amoxicillin run for CO-2026-4002",
            Some(4002),
            OrderState::Finished,
            "ART-AMX-100",
            1_200.0,
            1_200.0,
            4.0,
            -9,
        ),
        ("Omeprazole trial", None, OrderState::Cancelled, "ART/OME/28", 300.0, 0.0, 0.0, -5),
    ];
    for (i, (name, co, state, article, amount, finished, waste, start)) in rows.iter().enumerate() {
        let mut batches = Vec::new();
        if *finished > 0.0 {
            batches.push(ProductBatch {
                batch_id: Some(format!("PB-{}", 2600 + i)),
                serial_nr: None,
                ordered_amount: Some(*amount),
                delivered_amount: Some(*finished),
                best_before: Some(today + 720 * DAY_MS),
            });
        }
        insert_order(w, name, *co, *state, &[(article, *amount, *finished, *waste)], today + start * DAY_MS, batches);
    }
    // More orders, so that paging, sorting and the state filters have something to do.
    let cycle = [OrderState::New, OrderState::Developing, OrderState::Finished, OrderState::Cancelled];
    let arts = ["ART-PCM-20", "ART-IBU-30", "ART-AMX-100", "ART-MET-60"];
    for n in 0..26i64 {
        let state = cycle[(n as usize) % 4];
        let article = arts[(n as usize / 4) % 4];
        let amount = 500.0 + 250.0 * ((n * 7) % 9) as f64;
        let finished = match state {
            OrderState::Finished => amount,
            OrderState::Developing => (amount / 3.0).round(),
            _ => 0.0,
        };
        let name = format!("Line trial {:02}", n + 1);
        insert_order(
            w,
            &name,
            None,
            state,
            &[(article, amount, finished, 0.0)],
            today - (n * 2 + 10) * DAY_MS,
            Vec::new(),
        );
    }
}

fn insert_order(
    w: &mut World,
    name: &str,
    customer_order: Option<i64>,
    state: OrderState,
    articles: &[(&str, f64, f64, f64)],
    start: i64,
    batches: Vec<ProductBatch>,
) {
    let id = w.next_prod_id;
    w.next_prod_id += 1;
    let pr_ref = format!("PR-{}", w.next_pr_ref);
    w.next_pr_ref += 1;
    let co = customer_order.and_then(|c| w.customer_orders.get(&c)).cloned();
    let dto = ProductionOrder {
        order_id: Some(id),
        pr_reference: Some(pr_ref),
        customer_order_id: co.as_ref().map(|c| c.id),
        customer_order_external_id: co.as_ref().map(|c| c.external_id.clone()),
        internal_reference: Some(format!("INT-{id}")),
        name: Some(name.into()),
        comment: co.as_ref().map(|c| format!("For {}", c.customer)),
        start_date: Some(start),
        end_date: Some(start + 5 * DAY_MS),
        finish_date: (state == OrderState::Finished).then_some(start + 4 * DAY_MS),
        work_hours: Some(8.0 * articles.len() as f64),
        state: Some(state),
        reserve_in_depth: Some(false),
        store_state: Some(0),
        articles: articles
            .iter()
            .map(|(a, amount, finished, waste)| ProductionOrderArticle {
                production_order_id: Some(id),
                article_id: (*a).into(),
                article_name: w.articles.get(*a).map(|x| x.name.clone()),
                time: Some(0.5),
                amount: Some(*amount),
                finished: Some(*finished),
                waste: Some(*waste),
                status: Some(if *finished >= *amount {
                    2
                } else if *finished > 0.0 {
                    1
                } else {
                    0
                }),
                accuracy: None,
            })
            .collect(),
        ..Default::default()
    };
    let mut order = ProdOrder { dto, batches, reports: Vec::new() };
    super::production::recompute(w, &mut order);
    w.prod_orders.insert(id, order);
}

/// A demo packaging order by id, as the simulator serves it (without starting one).
pub fn demo_packaging_order(id: &str) -> Option<PackagingOrder> {
    build(1, 1, Duration::from_secs(60), Faults::default()).packaging_orders.remove(id)
}

/// `count` distinct scans of a demo order as a GS1 DataMatrix scanner types them: AIM
/// identifier `]d2`, GTIN, expiry, batch, the GS byte, and a random serial (EU FMD wants them
/// random). The same seed gives the same serials.
pub fn demo_scans(order_id: &str, count: usize, seed: u64) -> Option<Vec<String>> {
    let o = demo_packaging_order(order_id)?;
    let mut rng = Rng::new(seed);
    let alphabet: Vec<char> = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".chars().collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let serial: String = (0..12).map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize]).collect();
        if !seen.insert(serial.clone()) {
            continue;
        }
        out.push(format!(
            "]d201{}17{}10{}\u{1d}21{serial}",
            o.product_code,
            o.expiry_date.as_deref().unwrap_or("000000"),
            o.batch.as_deref().unwrap_or("")
        ));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::domain::gtin;

    #[test]
    fn demo_scans_decode_to_the_order_and_are_distinct() {
        let scans = super::demo_scans("Order143", 500, 7).unwrap();
        let set: std::collections::HashSet<_> = scans.iter().collect();
        assert_eq!(set.len(), 500);
        let d = crate::scan::gs1::decode(&scans[0], &Default::default()).unwrap();
        assert_eq!((d.get("01"), d.get("10"), d.get("17")), (Some("02022090117459"), Some("B2405121"), Some("290512")));
        assert_eq!(super::demo_scans("Order143", 3, 7).unwrap(), scans[..3]);
        assert!(super::demo_scans("nope", 1, 1).is_none());
    }

    #[test]
    fn demo_gtins_are_valid_except_the_seed_sample() {
        for (code, ..) in super::PRODUCTS {
            if *code == "01234567891234" {
                assert!(gtin::validate(code).is_err());
            } else {
                assert_eq!(gtin::validate(code), Ok(()), "{code}");
            }
        }
    }
}
