//! Score history for many dates in one pass (what `ces_backfill` runs per account).
//! Events fall into per-step buckets (t_{k-1}, t_k], t_k = from + k·step, each decayed to its
//! own end t_k. A date's score sums the buckets inside its window, each re-anchored by
//! 0.5^((t_i − t_k)/half_life): no subtraction, so it equals scoring that date from scratch.
//! A `Layout` exists only validated (`Layout::new`): its sizes are within the documented
//! limits and every instant it names fits an i64, so `locate` cannot overflow or panic.

use crate::error::CesError;
use crate::interrupt::Ticker;
use crate::limits::{MAX_HISTORY_BUCKETS, MAX_HISTORY_SLOTS};
use crate::model::Model;
use crate::summary::{points, Slot};

/// The bucket layout of one backfill: 24 bytes, so the extension keeps it in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Layout {
    from: i64,
    /// Positive.
    step: i64,
    /// At least 1; `lead + n_dates` buckets and `× event types` slots are within the limits.
    n_dates: u32,
    /// Buckets per window (lookback / step), 0 without a lookback.
    window: u32,
}

impl Layout {
    /// The layout of `n_dates` dates `from`, `from + step`, ... for a model with `event_types`
    /// event types and an optional lookback (all in microseconds). Refuses, before anything
    /// is allocated, a layout whose buckets or slots exceed the documented limits (54000).
    pub fn new(
        from: i64,
        step: i64,
        n_dates: i64,
        lookback: Option<i64>,
        event_types: usize,
    ) -> Result<Layout, CesError> {
        if step <= 0 {
            return Err(CesError::invalid(format!(
                "ces_history: step must be positive, got {step} microseconds"
            )));
        }
        if n_dates <= 0 {
            return Err(CesError::invalid(format!(
                "ces_history: n_dates must be positive, got {n_dates}"
            )));
        }
        let hint = "use a longer step, fewer dates, or a shorter lookback";
        let too_many = |what: String| {
            CesError::limit(format!(
                "ces_history: {what}; a backfill keeps at most {MAX_HISTORY_BUCKETS} buckets \
                 (lookback / step + dates) and {MAX_HISTORY_SLOTS} slots (buckets x event types) \
                 per account"
            ))
            .with_hint(hint)
        };
        let window = match lookback {
            None => 0,
            Some(lb) if lb <= 0 => {
                return Err(CesError::invalid("the model's lookback must be positive"))
            }
            Some(lb) if lb % step != 0 => {
                return Err(CesError::invalid(
                    "the model's lookback must be a whole number of steps",
                ))
            }
            Some(lb) => lb / step,
        };
        let lead = window.max(1) - 1 + (window == 0) as i64;
        let buckets = lead.saturating_add(n_dates);
        if buckets > MAX_HISTORY_BUCKETS as i64 {
            return Err(too_many(if window > 0 {
                format!("{n_dates} dates with a window of {window} steps need {buckets} buckets")
            } else {
                format!("{n_dates} dates need {buckets} buckets")
            }));
        }
        let slots = (buckets as u64).saturating_mul(event_types as u64);
        if slots > MAX_HISTORY_SLOTS as u64 {
            return Err(too_many(format!(
                "{buckets} buckets of {event_types} event types need {slots} slots"
            )));
        }
        // The first bucket's start and the last date must be instants.
        let first = lead
            .checked_add(1)
            .and_then(|b| b.checked_mul(step))
            .and_then(|d| from.checked_sub(d));
        let last = n_dates.checked_mul(step).and_then(|d| from.checked_add(d));
        // Every age `scores` decays by is at most (buckets + 1) steps.
        let span = (buckets + 1).checked_mul(step);
        if first.is_none() || last.is_none() || span.is_none() {
            return Err(CesError::invalid(
                "ces_history: from_ts, step and n_dates reach beyond the timestamp range",
            ));
        }
        Ok(Layout {
            from,
            step,
            n_dates: n_dates as u32,
            window: window as u32,
        })
    }

    pub fn from(&self) -> i64 {
        self.from
    }

    pub fn step(&self) -> i64 {
        self.step
    }

    pub fn n_dates(&self) -> usize {
        self.n_dates as usize
    }

    /// Buckets per window (lookback / step), or None without a lookback.
    pub fn window(&self) -> Option<usize> {
        (self.window != 0).then_some(self.window as usize)
    }

    /// Buckets kept: the `window - 1` before date 0 (or one holding all history), then one per
    /// date. At most `MAX_HISTORY_BUCKETS`.
    #[inline]
    pub fn n_buckets(&self) -> usize {
        self.lead() + self.n_dates as usize
    }

    /// Buckets before date 0.
    #[inline]
    pub fn lead(&self) -> usize {
        match self.window {
            0 => 1,
            m => m as usize - 1,
        }
    }

    /// Slots of the scratch buffers `Workspace::scores` needs for a model of `n` event types
    /// (prefix and suffix sums, and one window): within the limits, so no product overflows.
    pub fn scratch_slots(&self, n: usize) -> usize {
        2 * self.n_buckets() * n + n
    }

    /// Decay factors `Workspace::scores` keeps for a model of `n` event types.
    pub fn factor_len(&self, n: usize) -> usize {
        (self.window.max(1) as usize + 1) * n
    }

    /// For an event at `ts`: the first date it is visible on (None: after the last date), and
    /// its bucket with the decay age to that bucket's end (None: after the last date or older
    /// than every window). Total for every `ts`: saturating arithmetic, no panics.
    #[inline]
    pub fn locate(&self, ts: i64) -> (Option<usize>, Option<(usize, i64)>) {
        let rel = ts.saturating_sub(self.from);
        // step > 0 by construction; checked_ keeps this total anyway.
        let (Some(q), Some(r)) = (
            rel.checked_div_euclid(self.step),
            rel.checked_rem_euclid(self.step),
        ) else {
            return (None, None);
        };
        let mut k = q.saturating_add((r != 0) as i64); // ceil
        if k >= self.n_dates as i64 {
            return (None, None);
        }
        let first = Some(k.max(0) as usize);
        let lead = self.lead() as i64;
        if k < -lead {
            if self.window != 0 {
                return (first, None);
            }
            k = -lead; // without a lookback, all older history shares the first bucket
        }
        // -lead <= k < n_dates: `new` checked that these ends are instants.
        let end = self.from.saturating_add(k.saturating_mul(self.step));
        (first, Some(((k + lead) as usize, end.saturating_sub(ts))))
    }
}

/// Adds an event to `buckets[index]`, index = bucket × event types + event type; `factor` is
/// its decay to the bucket's end (`Model::decay` of the age that `Layout::locate` returns).
/// An index outside `buckets` is ignored.
#[inline]
pub fn add_to(buckets: &mut [Slot], index: usize, factor: f64) {
    if let Some(s) = buckets.get_mut(index) {
        s.count += 1;
        s.decayed += factor;
    }
}

/// The decay factors reused from one account to the next: they depend only on the model's
/// half-lives and the layout, so a backfill computes them once, not per account. The buffers
/// themselves are lent by the caller (the extension pallocs them), sized by
/// `Layout::scratch_slots` and `Layout::factor_len`.
#[derive(Default)]
pub struct Workspace {
    /// (model body, step, factor length) the factors were computed for.
    key: Option<(String, i64, usize)>,
}

impl Workspace {
    /// Every date's score from the buckets, written to `out` for the dates from `seen_from`
    /// on (`out.len() == n_dates - seen_from`; the caller reports earlier dates as NULL).
    /// `buckets` holds `n_buckets × n` slots; `scratch` and `factor` are the caller's buffers
    /// of at least `scratch_slots(n)` and `factor_len(n)` elements.
    #[allow(clippy::too_many_arguments)]
    pub fn scores(
        &mut self,
        model: &Model,
        layout: &Layout,
        buckets: &[Slot],
        scratch: &mut [Slot],
        factor: &mut [f64],
        seen_from: usize,
        out: &mut [f64],
    ) {
        let n = model.len();
        let lead = layout.lead();
        let nb = layout.n_buckets();
        let mut tick = Ticker::default();
        assert!(
            buckets.len() == nb * n
                && scratch.len() >= layout.scratch_slots(n)
                && factor.len() >= layout.factor_len(n)
                && seen_from + out.len() == layout.n_dates(),
            "history buffers do not match the layout"
        );
        let span = layout.window.max(1) as usize + 1; // powers 0..=m
        let factor = &mut factor[..span * n];
        let fresh = match &self.key {
            Some((body, step, len)) => {
                body != &model.body || *step != layout.step || *len != factor.len()
            }
            None => true,
        };
        if fresh {
            self.key = None;
            for d in 0..span {
                tick.tick();
                for i in 0..n {
                    factor[d * n + i] = model.decay(i, d as i64 * layout.step);
                }
            }
            self.key = Some((model.body.clone(), layout.step, factor.len()));
        }
        let factor: &[f64] = factor;
        let (prefix, rest) = scratch.split_at_mut(nb * n);
        let (suffix, rest) = rest.split_at_mut(nb * n);
        let window = &mut rest[..n];
        if let Some(m) = layout.window() {
            blocks(buckets, n, m, factor, prefix, suffix, &mut tick);
        }
        window.fill(Slot::default());
        for (date, o) in (seen_from..).zip(out.iter_mut()) {
            tick.tick();
            let b_now = date + lead;
            match layout.window() {
                None => {
                    // running total, re-anchored one step at a time
                    if date == seen_from {
                        for b in 0..=b_now {
                            tick.tick();
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
                            window[i].decayed = window[i].decayed * factor[n + i] + s.decayed;
                        }
                    }
                }
                Some(m) => {
                    // The window [p-m+1, p] is the prefix of p's block plus the suffix of the
                    // block before: both precomputed by `blocks`, with no subtraction.
                    let p = b_now;
                    let start = p / m * m;
                    window.copy_from_slice(&prefix[p * n..p * n + n]);
                    if p + 1 - m < start {
                        let from = p + 1 - m;
                        let d = p + 1 - start; // from the previous block's end to p
                        for i in 0..n {
                            let s = suffix[from * n + i];
                            window[i].count += s.count;
                            window[i].decayed += s.decayed * factor[d * n + i];
                        }
                    }
                }
            }
            *o = window
                .iter()
                .enumerate()
                .filter(|(_, s)| s.count != 0)
                .fold(0.0, |acc, (i, s)| acc + points(model, i, s).0);
        }
    }
}

/// Per block of `m` buckets: `prefix[p]` sums the block's buckets up to p anchored at p, and
/// `suffix[p]` sums the buckets from p to the block's end anchored at that end.
fn blocks(
    buckets: &[Slot],
    n: usize,
    m: usize,
    factor: &[f64],
    prefix: &mut [Slot],
    suffix: &mut [Slot],
    tick: &mut Ticker,
) {
    let len = buckets.len() / n.max(1);
    for p in 0..len {
        tick.tick();
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
        tick.tick();
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
    use crate::testing::{ts, TestTime};
    use crate::time::{format_timestamp, USECS_PER_DAY};

    fn history_with(
        ws: &mut Workspace,
        model_json: &str,
        window: Option<usize>,
        events: &[(&str, i64)],
        layout_from: i64,
        n: usize,
    ) -> Vec<Option<f64>> {
        let m = Model::parse_json(model_json, &TestTime).unwrap();
        let layout =
            Layout::new(layout_from, USECS_PER_DAY, n as i64, m.lookback, m.len()).unwrap();
        assert_eq!(layout.window(), window);
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
        let seen = seen.min(n);
        let mut scratch = vec![Slot::default(); layout.scratch_slots(m.len())];
        let mut factor = vec![0.0; layout.factor_len(m.len())];
        let mut out = vec![0.0; n - seen];
        ws.scores(
            &m,
            &layout,
            &buckets,
            &mut scratch,
            &mut factor,
            seen,
            &mut out,
        );
        let mut got = vec![None; seen];
        got.extend(out.into_iter().map(Some));
        got
    }

    /// Scoring each date from scratch with the summary state.
    fn direct(model_body: &str, events: &[(&str, i64)], at: i64) -> Option<f64> {
        let m = Model::parse_json(
            &format!("{{{model_body},\"as_of\":\"{}\"}}", format_timestamp(at)),
            &TestTime,
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
        let got = history_with(
            &mut Workspace::default(),
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
        let got = history_with(
            &mut Workspace::default(),
            r#"{"weights":{"login":1},"lookback":"2 days"}"#,
            Some(2),
            &[("login", from - 30 * USECS_PER_DAY)],
            from,
            3,
        );
        assert_eq!(got, vec![Some(0.0), Some(0.0), Some(0.0)]);
    }

    #[test]
    fn layouts_beyond_the_limits_are_refused_before_allocating() {
        let year = 365 * USECS_PER_DAY;
        let from = ts("2026-01-01 00:00:00+00");
        // the issue's reproducer: 60 years of lookback in 1-second steps
        let e = Layout::new(from, 1_000_000, 3, Some(60 * year), 1).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::LimitExceeded);
        assert!(
            e.message.contains(&MAX_HISTORY_BUCKETS.to_string()),
            "{}",
            e.message
        );
        // a realistic backfill: 1-year lookback, hourly steps, a year of dates, 50 event types
        let hour = 3600 * 1_000_000;
        let l = Layout::new(from, hour, 365 * 24, Some(year), 50).unwrap();
        assert_eq!(l.n_buckets(), 2 * 365 * 24 - 1);
        // too many slots: fine in buckets, not with 10 000 event types
        let e = Layout::new(from, hour, 365 * 24, Some(year), 10_000).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::LimitExceeded);
        assert!(e.message.contains("slots"), "{}", e.message);
        // hostile arguments
        for (step, n) in [(0, 3), (-5, 3), (1, 0), (1, -1), (i64::MIN, 3)] {
            let e = Layout::new(from, step, n, None, 1).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::InvalidParameter);
        }
        assert!(Layout::new(from, 1, i64::MAX, None, 1).is_err());
        assert!(Layout::new(from, 1, 10, None, usize::MAX).is_err());
        assert!(Layout::new(i64::MAX, 1, 10, None, 1).is_err());
        assert!(Layout::new(i64::MIN, 1, 10, None, 1).is_err());
        assert!(Layout::new(from, i64::MAX / 2, 10, None, 1).is_err());
        assert!(Layout::new(from, 7, 10, Some(10), 1).is_err()); // not whole steps
    }

    #[test]
    fn locate_is_total() {
        let from = ts("2026-01-01 00:00:00+00");
        let mut x: u64 = 7;
        let specials = [
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            1,
            from,
            i64::MAX - 1,
            i64::MAX,
        ];
        for (step, n, lb) in [
            (1, 1, None),
            (USECS_PER_DAY, 90, Some(30 * USECS_PER_DAY)),
            (USECS_PER_DAY, 90, None),
            (1 << 40, 1000, Some(1 << 41)),
        ] {
            let l = Layout::new(from, step, n, lb, 3).unwrap();
            for i in 0..20_000 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let t = if i < specials.len() {
                    specials[i]
                } else if i % 2 == 0 {
                    x as i64
                } else {
                    from.wrapping_add((x as i64) >> 20)
                };
                let (first, place) = l.locate(t);
                if let Some(f) = first {
                    assert!(f < l.n_dates());
                }
                if let Some((b, age)) = place {
                    assert!(b < l.n_buckets() && age >= 0, "{t}: {b} {age}");
                    assert!(first.is_some());
                }
            }
        }
    }
}
