//! GS1 decoding speed: `cargo bench --bench decode` (criterion). Prints the time per code for
//! each form a station meets (µs per decode; decodes per second is its inverse), the same
//! decode with its JSON line as `shopfloor decode` writes it, and the largest scan a GS1 code
//! can give (7,080 characters): its time per character shows that decoding is linear.
//! The reference engine's figures on this machine: 0.82 µs (scan data), 0.95 µs (bracketed),
//! 1.35 µs (Digital Link) per code (see issue 16).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shopfloor::scan::gs1::{decode, Options};
use std::hint::black_box;

const FORMS: [(&str, &str); 3] = [
    ("datamatrix_scan", "]d201020220901174591729051210B2405121\u{1d}21BH8M3AFXJYB8"),
    ("bracketed", "(01)02022090117459(17)290512(10)B2405121(21)BH8M3AFXJYB8"),
    ("digital_link", "https://id.gs1.org/01/02022090117459/10/B2405121/21/BH8M3AFXJYB8?17=290512"),
];

fn bench(c: &mut Criterion) {
    let opts = Options::default();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    for (name, input) in FORMS {
        g.bench_function(name, |b| b.iter(|| decode(black_box(input), &opts)));
    }
    g.bench_function("datamatrix_scan_with_json", |b| {
        let mut line = String::new();
        b.iter(|| {
            line.clear();
            match decode(black_box(FORMS[0].1), &opts) {
                Ok(d) => d.write_json(&mut line),
                Err(e) => e.write_json(&mut line),
            }
            line.len()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("decode_large");
    // 354 SSCCs without separators: the most a code can hold, all of it parsed.
    let largest = "00000000000000000000".repeat(354);
    g.throughput(Throughput::Bytes(largest.len() as u64));
    g.bench_function("largest_scan", |b| b.iter(|| decode(black_box(&largest), &opts)));
    // An 800 kB paste is refused before it is read.
    let paste = "0".repeat(800_000);
    g.throughput(Throughput::Bytes(paste.len() as u64));
    g.bench_function("paste_800k_refused", |b| b.iter(|| decode(black_box(&paste), &opts)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
