//! GS1 decoding speed: `cargo bench --bench decode` (criterion). Reports time per decode for
//! the forms a station meets; decodes per second is its inverse.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shopfloor::scan::gs1::{decode, Options};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let opts = Options::default();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    for (name, input) in [
        ("datamatrix_scan", "]d201020220901174591729051210B2405121\u{1d}21BH8M3AFXJYB8"),
        ("bracketed", "(01)02022090117459(17)290512(10)B2405121(21)BH8M3AFXJYB8"),
        ("digital_link", "https://id.gs1.org/01/02022090117459/10/B2405121/21/BH8M3AFXJYB8?17=290512"),
    ] {
        g.bench_function(name, |b| b.iter(|| decode(black_box(input), &opts)));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
