//! The server's counters, rendered as Prometheus text (exposition format 0.0.4): requests
//! and latency histograms by route template (never the raw path: it may hold an identifier),
//! verdicts by reason, and the trust list's age. Hand-written: a few maps under one mutex
//! are all this needs, and the `prometheus` crates would pull in a registry and protobuf.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    verdicts: BTreeMap<&'static str, u64>,
}

/// The counters.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Counts a request to `route` answered with `status` after `secs`.
    pub fn request(&self, route: &str, method: &str, status: u16, secs: f64) {
        let Ok(mut m) = self.inner.lock() else {
            return;
        };
        *m.requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_insert(0) += 1;
        let h = m.latency.entry(route.to_owned()).or_default();
        for (c, le) in h.counts.iter_mut().zip(BUCKETS) {
            if secs <= le {
                *c += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// Counts a verdict: `None` when valid, else the reason code.
    pub fn verdict(&self, reason: Option<&'static str>) {
        if let Ok(mut m) = self.inner.lock() {
            *m.verdicts.entry(reason.unwrap_or("valid")).or_insert(0) += 1;
        }
    }

    /// The text exposition; `gauges` are appended as they are (name, help, value).
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        let Ok(m) = self.inner.lock() else {
            return out;
        };
        let _ = writeln!(out, "# HELP certseal_http_requests_total HTTP requests by route template, method and status.\n# TYPE certseal_http_requests_total counter");
        for ((route, method, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "certseal_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        let _ = writeln!(out, "# HELP certseal_http_request_duration_seconds Request latency by route template.\n# TYPE certseal_http_request_duration_seconds histogram");
        for (route, h) in &m.latency {
            let route = label(route);
            for (c, le) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "certseal_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {c}"
                );
            }
            let _ = writeln!(out, "certseal_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\ncertseal_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\ncertseal_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count, h.sum, h.count);
        }
        let _ = writeln!(out, "# HELP certseal_verdicts_total Verdicts by reason (valid, or the reason code).\n# TYPE certseal_verdicts_total counter");
        for (reason, n) in &m.verdicts {
            let _ = writeln!(out, "certseal_verdicts_total{{reason=\"{reason}\"}} {n}");
        }
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
