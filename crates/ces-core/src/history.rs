//! Score history for many dates in one pass (what `ces_backfill` runs per account).
//! Events fall into per-step buckets (t_{k-1}, t_k], t_k = from + k·step, each decayed to its
//! own end t_k. A date's score sums the buckets inside its window, each re-anchored by
//! 0.5^((t_i − t_k)/half_life): no subtraction, so it equals scoring that date from scratch.

use crate::model::Model;
use crate::summary::{points, Slot};

/// The bucket layout of one backfill.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub from: i64,
    pub step: i64,
    pub n_dates: usize,
    /// Buckets per window (lookback / step), or None without a lookback.
    pub window: Option<usize>,
}

impl Layout {
    /// Buckets kept: the `window - 1` before date 0 (or one holding all history), then one per date.
    pub fn n_buckets(&self) -> usize {
        self.lead() + self.n_dates
    }

    /// Buckets before date 0.
    pub fn lead(&self) -> usize {
        match self.window {
            Some(m) => m.max(1) - 1,
            None => 1,
        }
    }

    /// For an event at `ts`: the first date it is visible on (None: after the last date), and
    /// its bucket with the decay age to that bucket's end (None: after the last date or older
    /// than every window).
    #[inline]
    pub fn locate(&self, ts: i64) -> (Option<usize>, Option<(usize, i64)>) {
        let Some(rel) = ts.checked_sub(self.from) else {
            return (None, None);
        };
        let (q, r) = (rel.div_euclid(self.step), rel.rem_euclid(self.step));
        let mut k = q + (r != 0) as i64; // ceil
        if k >= self.n_dates as i64 {
            return (None, None);
        }
        let first = Some(k.max(0) as usize);
        let lead = self.lead() as i64;
        if k < -lead {
            if self.window.is_some() {
                return (first, None);
            }
            k = -lead; // without a lookback, all older history shares the first bucket
        }
        let end = self.from + k * self.step;
        (first, Some(((k + lead) as usize, end - ts)))
    }
}

/// Adds an event to `buckets[index]`, index = bucket × event types + event type; `factor` is
/// its decay to the bucket's end (`Model::decay` of the age that `Layout::locate` returns).
#[inline]
pub fn add_to(buckets: &mut [Slot], index: usize, factor: f64) {
    let s = &mut buckets[index];
    s.count += 1;
    s.decayed += factor;
}

/// Buffers and decay factors reused from one account to the next: the factors depend only
/// on the model's half-lives and the layout, so a backfill computes them once, not per account.
#[derive(Default)]
pub struct Workspace {
    /// (model body, step, span) the factors were computed for.
    key: Option<(String, i64, usize)>,
    /// factor[d * n + i] = 0.5^(d·step / half_life_i), d in 0..span.
    factor: Vec<f64>,
    prefix: Vec<Slot>,
    suffix: Vec<Slot>,
    window: Vec<Slot>,
}

impl Workspace {
    /// Every date's score from the buckets; dates before `seen_from` are None.
    pub fn scores(
        &mut self,
        model: &Model,
        layout: &Layout,
        buckets: &[Slot],
        seen_from: usize,
    ) -> Vec<Option<f64>> {
        let n = model.len();
        let lead = layout.lead();
        let span = layout.window.unwrap_or(1).max(1) + 1; // powers 0..=m
        let fresh = match &self.key {
            Some((body, step, sp)) => body != &model.body || *step != layout.step || *sp != span,
            None => true,
        };
        if fresh {
            self.factor = (0..span)
                .flat_map(|d| (0..n).map(move |i| (d, i)))
                .map(|(d, i)| model.decay(i, d as i64 * layout.step))
                .collect();
            self.key = Some((model.body.clone(), layout.step, span));
        }
        let factor = |d: usize, i: usize| self.factor[d * n + i];
        if let Some(m) = layout.window {
            blocks(
                buckets,
                n,
                m.max(1),
                &self.factor,
                &mut self.prefix,
                &mut self.suffix,
            );
        }
        let mut out = vec![None; layout.n_dates];
        self.window.clear();
        self.window.resize(n, Slot::default());
        let window = &mut self.window;
        for (date, o) in out.iter_mut().enumerate().skip(seen_from) {
            let b_now = date + lead;
            match layout.window {
                None => {
                    // running total, re-anchored one step at a time
                    if date == seen_from {
                        for b in 0..=b_now {
                            let d = b_now - b;
                            for i in 0..n {
                                let s = buckets[b * n + i];
                                window[i].count += s.count;
                                window[i].decayed +=
                                    s.decayed * model.decay(i, d as i64 * layout.step);
                            }
                        }
                    } else {
                        for i in 0..n {
                            let s = buckets[b_now * n + i];
                            window[i].count += s.count;
                            window[i].decayed = window[i].decayed * factor(1, i) + s.decayed;
                        }
                    }
                }
                Some(m) => {
                    // The window [p-m+1, p] is the prefix of p's block plus the suffix of the
                    // block before: both precomputed by `blocks`, with no subtraction.
                    let m = m.max(1);
                    let p = b_now;
                    let start = p / m * m;
                    window.copy_from_slice(&self.prefix[p * n..p * n + n]);
                    if p + 1 - m < start {
                        let from = p + 1 - m;
                        let d = p + 1 - start; // from the previous block's end to p
                        for i in 0..n {
                            let s = self.suffix[from * n + i];
                            window[i].count += s.count;
                            window[i].decayed += s.decayed * factor(d, i);
                        }
                    }
                }
            }
            *o = Some(
                window
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.count != 0)
                    .fold(0.0, |acc, (i, s)| acc + points(model, i, s).0),
            );
        }
        out
    }
}

/// Per block of `m` buckets: `prefix[p]` sums the block's buckets up to p anchored at p, and
/// `suffix[p]` sums the buckets from p to the block's end anchored at that end.
fn blocks(
    buckets: &[Slot],
    n: usize,
    m: usize,
    factor: &[f64],
    prefix: &mut Vec<Slot>,
    suffix: &mut Vec<Slot>,
) {
    let len = buckets.len() / n.max(1);
    prefix.clear();
    prefix.resize(buckets.len(), Slot::default());
    suffix.clear();
    suffix.resize(buckets.len(), Slot::default());
    for p in 0..len {
        for i in 0..n {
            let b = buckets[p * n + i];
            prefix[p * n + i] = if p % m == 0 {
                b
            } else {
                let prev = prefix[(p - 1) * n + i];
                Slot {
                    count: prev.count + b.count,
                    decayed: prev.decayed * factor[n + i] + b.decayed,
                }
            };
        }
    }
    for p in (0..len).rev() {
        let end = (p / m * m + m - 1).min(len - 1);
        for i in 0..n {
            let b = buckets[p * n + i];
            suffix[p * n + i] = if p == end {
                b
            } else {
                let next = suffix[(p + 1) * n + i];
                Slot {
                    count: next.count + b.count,
                    decayed: next.decayed + b.decayed * factor[(end - p) * n + i],
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{accumulate, score, Header};
    use crate::time::testing::{ts, SimpleTime};
    use crate::time::{format_timestamp, USECS_PER_DAY};

    fn history(
        model_json: &str,
        window: Option<usize>,
        events: &[(&str, i64)],
        layout_from: i64,
        n: usize,
    ) -> Vec<Option<f64>> {
        history_with(
            &mut Workspace::default(),
            model_json,
            window,
            events,
            layout_from,
            n,
        )
    }

    fn history_with(
        ws: &mut Workspace,
        model_json: &str,
        window: Option<usize>,
        events: &[(&str, i64)],
        layout_from: i64,
        n: usize,
    ) -> Vec<Option<f64>> {
        let m = Model::parse_json(model_json, &SimpleTime).unwrap();
        let layout = Layout {
            from: layout_from,
            step: USECS_PER_DAY,
            n_dates: n,
            window,
        };
        let mut buckets = vec![Slot::default(); layout.n_buckets() * m.len()];
        let mut seen = usize::MAX;
        for (e, t) in events {
            let (first, place) = layout.locate(*t);
            if let Some(f) = first {
                seen = seen.min(f);
            }
            if let (Some((b, age)), Some(i)) = (place, m.weights.index_of(e.as_bytes())) {
                add_to(&mut buckets, b * m.len() + i, m.decay(i, age));
            }
        }
        ws.scores(&m, &layout, &buckets, seen.min(n))
    }

    /// Scoring each date from scratch with the summary state.
    fn direct(model_body: &str, events: &[(&str, i64)], at: i64) -> Option<f64> {
        let m = Model::parse_json(
            &format!("{{{model_body},\"as_of\":\"{}\"}}", format_timestamp(at)),
            &SimpleTime,
        )
        .unwrap();
        if !events.iter().any(|(_, t)| *t <= at) {
            return None;
        }
        let mut h = Header::new(&m, 0);
        let mut s = vec![Slot::default(); m.len()];
        for (e, t) in events.iter().filter(|(_, t)| *t <= at) {
            accumulate(&mut h, &mut s, &m, Some(e.as_bytes()), Some(*t));
        }
        Some(score(&m, &s))
    }

    #[test]
    fn history_equals_scoring_each_date() {
        let from = ts("2026-09-01 00:00:00+00");
        let mut x: u64 = 99;
        let mut events = Vec::new();
        for _ in 0..400 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let e = ["login", "ticket", "up", "other"][(x >> 60) as usize % 4];
            let t = from - 40 * USECS_PER_DAY + ((x >> 20) % (70 * USECS_PER_DAY as u64)) as i64;
            events.push((e, t));
        }
        events.push(("login", from + 5 * USECS_PER_DAY)); // exactly on a date
        let mut ws = Workspace::default();
        for (body, window) in [
            (
                r#""weights":{"login":1,"ticket":{"weight":-5,"half_life":"2 days","cap":30},"up":50},"half_life":"7 days","lookback":"10 days""#,
                Some(10),
            ),
            (
                r#""weights":{"login":1,"ticket":{"weight":-5,"half_life":"2 days"},"up":{"weight":50,"cap":200}},"half_life":"7 days""#,
                None,
            ),
            (
                r#""weights":{"login":1,"up":50},"lookback":"1 day""#,
                Some(1),
            ),
        ]
        .iter()
        .cycle()
        .take(6)
        {
            // One workspace across models, as a backfill reuses it across accounts.
            let got = history_with(&mut ws, &format!("{{{body}}}"), *window, &events, from, 30);
            for (d, g) in got.iter().enumerate() {
                let want = direct(body, &events, from + d as i64 * USECS_PER_DAY);
                match (g, want) {
                    (Some(g), Some(w)) => assert!(
                        (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                        "{body} date {d}: {g} vs {w}"
                    ),
                    (g, w) => assert_eq!(g.is_some(), w.is_some(), "{body} date {d}"),
                }
            }
        }
    }

    #[test]
    fn accounts_appear_from_their_first_event() {
        let from = ts("2026-09-01 00:00:00+00");
        let got = history(
            r#"{"weights":{"login":1},"lookback":"2 days"}"#,
            Some(2),
            &[("login", from + 3 * USECS_PER_DAY - 5)],
            from,
            8,
        );
        assert_eq!(
            got,
            vec![
                None,
                None,
                None,
                Some(1.0),
                Some(1.0),
                Some(0.0),
                Some(0.0),
                Some(0.0)
            ]
        );
        // an old event (outside every window) still makes the account visible, scoring 0
        let got = history(
            r#"{"weights":{"login":1},"lookback":"2 days"}"#,
            Some(2),
            &[("login", from - 30 * USECS_PER_DAY)],
            from,
            3,
        );
        assert_eq!(got, vec![Some(0.0), Some(0.0), Some(0.0)]);
    }
}
