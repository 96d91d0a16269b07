//! The server's counters, rendered as Prometheus text (exposition format 0.0.4): requests
//! and latency histograms by route template (never the raw path: it may hold an identifier),
//! verdicts by reason, and the trust list's age. Hand-written: the `prometheus` crates would
//! pull in a registry and protobuf for what a few arrays of atomics do.
//!
//! Every route the router serves ([`ROUTES`]) has its counters registered up front: counting
//! a request is a short search of that list and a few relaxed atomic additions, with no lock,
//! map or allocation (the 304 and verify hot paths). A method or status outside the fixed
//! tables, or a route template not in the list, is counted exactly in a map under a mutex.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The route templates the router serves, and `unmatched` (no route): pre-registered.
pub(crate) const ROUTES: [&str; 19] = [
    "/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.yaml",
    "/v1/verify",
    "/v1/verify/image",
    "/v1/certificates",
    "/v1/certificates/{identifier}",
    "/v1/certificates/{identifier}/reissue",
    "/v1/certificates/{identifier}/revoke",
    "/v1/certificates/{identifier}/objections",
    "/v1/trust-list",
    "/v1/status/snapshot",
    "/v1/status/delta",
    "/v1/status/token-status-list",
    "/v1/submissions",
    "/v1/issue",
    "unmatched",
];

/// The methods counted in the fixed table (in the order they are rendered).
const METHODS: [&str; 7] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// The statuses counted in the fixed table (ascending).
const STATUSES: [u16; 15] = [
    200, 201, 304, 400, 401, 403, 404, 405, 413, 415, 422, 429, 500, 503, 504,
];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

/// One route's latency histogram.
struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Sum of the latencies in nanoseconds.
    sum_nanos: AtomicU64,
}

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
        }
    }
}

/// One route's counters: requests by (method, status) in the fixed tables, and latency.
struct RouteCounters {
    requests: [[AtomicU64; STATUSES.len()]; METHODS.len()],
    latency: Histogram,
}

impl RouteCounters {
    fn new() -> RouteCounters {
        RouteCounters {
            requests: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            latency: Histogram::new(),
        }
    }
}

/// What falls outside the fixed tables, and the verdicts other than `valid`.
#[derive(Default)]
struct Rare {
    /// By route template, then (method, status).
    requests: BTreeMap<String, BTreeMap<(&'static str, u16), u64>>,
    /// Latency of routes outside [`ROUTES`]: bucket counts, count, sum in seconds.
    latency: BTreeMap<String, ([u64; BUCKETS.len()], u64, f64)>,
    verdicts: BTreeMap<&'static str, u64>,
}

/// The counters.
pub struct Metrics {
    routes: [RouteCounters; ROUTES.len()],
    valid: AtomicU64,
    rare: Mutex<Rare>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            routes: std::array::from_fn(|_| RouteCounters::new()),
            valid: AtomicU64::new(0),
            rare: Mutex::new(Rare::default()),
        }
    }
}

/// The index of `route` in [`ROUTES`].
fn route_index(route: &str) -> Option<usize> {
    ROUTES.iter().position(|r| *r == route)
}

impl Metrics {
    /// Counts a request to `route` answered with `status` after `secs`.
    pub fn request(&self, route: &str, method: &str, status: u16, secs: f64) {
        let method = static_method(method);
        let Some(r) = route_index(route).and_then(|i| self.routes.get(i)) else {
            self.rare_request(route, method, status, Some(secs));
            return;
        };
        let slot = METHODS
            .iter()
            .position(|m| *m == method)
            .and_then(|m| r.requests.get(m))
            .and_then(|by| {
                STATUSES
                    .iter()
                    .position(|s| *s == status)
                    .and_then(|s| by.get(s))
            });
        match slot {
            Some(n) => {
                n.fetch_add(1, Ordering::Relaxed);
            }
            None => self.rare_request(route, method, status, None),
        }
        let h = &r.latency;
        if let Some(i) = BUCKETS.iter().position(|le| secs <= *le) {
            // Cumulative buckets are summed at render time: one addition here.
            if let Some(c) = h.counts.get(i) {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        h.sum_nanos
            .fetch_add((secs * 1e9) as u64, Ordering::Relaxed);
    }

    /// Counts what the fixed tables do not hold; with `secs`, the latency too (a route
    /// outside [`ROUTES`]).
    fn rare_request(&self, route: &str, method: &'static str, status: u16, secs: Option<f64>) {
        let Ok(mut m) = self.rare.lock() else {
            return;
        };
        *m.requests
            .entry(route.to_owned())
            .or_default()
            .entry((method, status))
            .or_insert(0) += 1;
        if let Some(secs) = secs {
            let h = m
                .latency
                .entry(route.to_owned())
                .or_insert(([0; BUCKETS.len()], 0, 0.0));
            if let Some(i) = BUCKETS.iter().position(|le| secs <= *le) {
                if let Some(c) = h.0.get_mut(i) {
                    *c += 1;
                }
            }
            h.1 += 1;
            h.2 += secs;
        }
    }

    /// Counts a verdict: `None` when valid, else the reason code.
    pub fn verdict(&self, reason: Option<&'static str>) {
        match reason {
            None => {
                self.valid.fetch_add(1, Ordering::Relaxed);
            }
            Some(r) => {
                if let Ok(mut m) = self.rare.lock() {
                    *m.verdicts.entry(r).or_insert(0) += 1;
                }
            }
        }
    }

    /// The text exposition; `gauges` are appended as they are (name, help, value).
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        let Ok(rare) = self.rare.lock() else {
            return out;
        };
        // Everything by route template (sorted), then (method, status).
        let mut requests: BTreeMap<String, BTreeMap<(&'static str, u16), u64>> =
            rare.requests.clone();
        // Per route: non-cumulative bucket counts, count, sum in seconds.
        let mut latency: BTreeMap<String, ([u64; BUCKETS.len()], u64, f64)> = rare.latency.clone();
        for (route, r) in ROUTES.iter().zip(&self.routes) {
            for (method, by) in METHODS.iter().zip(&r.requests) {
                for (status, n) in STATUSES.iter().zip(by) {
                    let n = n.load(Ordering::Relaxed);
                    if n > 0 {
                        *requests
                            .entry((*route).to_owned())
                            .or_default()
                            .entry((method, *status))
                            .or_insert(0) += n;
                    }
                }
            }
            let count = r.latency.count.load(Ordering::Relaxed);
            if count > 0 {
                let counts = std::array::from_fn(|i| {
                    r.latency
                        .counts
                        .get(i)
                        .map_or(0, |c| c.load(Ordering::Relaxed))
                });
                let sum = r.latency.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
                latency.insert((*route).to_owned(), (counts, count, sum));
            }
        }
        let _ = writeln!(out, "# HELP certseal_http_requests_total HTTP requests by route template, method and status.\n# TYPE certseal_http_requests_total counter");
        for (route, by) in &requests {
            for ((method, status), n) in by {
                let _ = writeln!(
                    out,
                    "certseal_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    label(route)
                );
            }
        }
        let _ = writeln!(out, "# HELP certseal_http_request_duration_seconds Request latency by route template.\n# TYPE certseal_http_request_duration_seconds histogram");
        for (route, (counts, count, sum)) in &latency {
            let route = label(route);
            let mut cumulative = 0u64;
            for (c, le) in counts.iter().zip(BUCKETS) {
                cumulative = cumulative.saturating_add(*c);
                let _ = writeln!(
                    out,
                    "certseal_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(out, "certseal_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}\ncertseal_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}\ncertseal_http_request_duration_seconds_count{{route=\"{route}\"}} {count}");
        }
        let _ = writeln!(out, "# HELP certseal_verdicts_total Verdicts by reason (valid, or the reason code).\n# TYPE certseal_verdicts_total counter");
        let mut verdicts = rare.verdicts.clone();
        let valid = self.valid.load(Ordering::Relaxed);
        if valid > 0 {
            verdicts.insert("valid", valid);
        }
        for (reason, n) in &verdicts {
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

/// The method's name as a static string (the standard methods; anything else is `other`).
fn static_method(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "HEAD" => "HEAD",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fixed_and_rare_requests_alike() {
        let m = Metrics::default();
        m.request("/v1/verify", "POST", 200, 0.000_3);
        m.request("/v1/verify", "POST", 200, 0.003);
        m.request("/v1/verify", "POST", 299, 0.003);
        m.request("/v1/verify", "BREW", 200, 0.003);
        m.request("/not/a/template", "GET", 200, 0.02);
        m.verdict(None);
        m.verdict(Some("bad_signature"));
        let text = m.render(&[]);
        for line in [
            "certseal_http_requests_total{route=\"/v1/verify\",method=\"POST\",status=\"200\"} 2",
            "certseal_http_requests_total{route=\"/v1/verify\",method=\"POST\",status=\"299\"} 1",
            "certseal_http_requests_total{route=\"/v1/verify\",method=\"other\",status=\"200\"} 1",
            "certseal_http_requests_total{route=\"/not/a/template\",method=\"GET\",status=\"200\"} 1",
            "certseal_http_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"0.0005\"} 1",
            "certseal_http_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"0.005\"} 4",
            "certseal_http_request_duration_seconds_count{route=\"/v1/verify\"} 4",
            "certseal_http_request_duration_seconds_bucket{route=\"/not/a/template\",le=\"0.025\"} 1",
            "certseal_http_request_duration_seconds_count{route=\"/not/a/template\"} 1",
            "certseal_verdicts_total{reason=\"valid\"} 1",
            "certseal_verdicts_total{reason=\"bad_signature\"} 1",
        ] {
            assert!(text.contains(line), "{line} not in\n{text}");
        }
        assert!(!text.contains("route=\"/healthz\""), "{text}");
    }
}
