//! `ces_rollup` under a lookback: inputs kept apart as disjoint parts until the final.

use super::*;

// ---------------------------------------------------------------------------------------
// Rollups under a lookback. The rolled-up as_of is the latest input's, known only at the
// end (in any order, and across parallel workers), and an input wholly before the window
// there must be dropped, not summed. So the state keeps inputs whose counted events do not
// overlap in time apart: a chain (`Header::next`) of parts sorted by time, pairwise
// disjoint, all anchored at the latest as_of seen; inputs that overlap are merged (they
// leave the window together or straddle its start). A part wholly before the window at the
// latest as_of is dropped as soon as that as_of is seen; the final function merges the rest,
// and raises if one straddles the window's start. At most MAX_ROLLUP_RANGES parts are kept:
// beyond, the two closest merge.

pub(super) unsafe fn parts_of(h: *mut Header) -> Vec<*mut Header> {
    unsafe {
        let mut out = Vec::new();
        let mut p = h;
        while !p.is_null() {
            out.push(p);
            p = (*p).next as *mut Header;
        }
        out
    }
}

pub(super) unsafe fn link(parts: &[*mut Header]) -> *mut Header {
    unsafe {
        for w in parts.windows(2) {
            (*w[0]).next = w[1] as usize;
        }
        let last = *parts.last().expect("a part");
        (*last).next = 0;
        parts[0]
    }
}

/// The closed time range of a part's counted events.
pub(super) fn range(h: &Header, model: &Model) -> (i64, i64) {
    (summary::earliest(h, model), h.last_seen)
}

pub(super) unsafe fn absorb_apart(
    fcinfo: FunctionCallInfo,
    head: *mut Header,
    src: &Header,
    src_slots: &[Slot],
    model: &Model,
    what: &str,
) -> *mut Header {
    unsafe {
        let anchor = (*head).anchor.max(src.anchor);
        let mut parts = parts_of(head);
        parts.retain(|&p| {
            summary::reanchor(&mut *p, slots(p), model, anchor);
            let keep =
                (*p).events != 0 && summary::window_at(&*p, model, anchor) != Window::Outside;
            if !keep && p != head {
                pg_sys::pfree(p.cast());
            }
            keep
        });
        if src.events != 0 && summary::window_at(src, model, anchor) != Window::Outside {
            let src_range = range(src, model);
            let overlaps = |r: (i64, i64)| r.0 <= src_range.1 && src_range.0 <= r.1;
            let part = match parts.iter().position(|&p| overlaps(range(&*p, model))) {
                // merged in place into the first part it overlaps
                Some(i) => parts.remove(i),
                None => {
                    let ctx = fmgr::agg_context(fcinfo, what);
                    let empty = Header {
                        anchor,
                        events: 0,
                        unweighted: 0,
                        last_seen: summary::NO_TS,
                        first_seen: summary::NO_FIRST,
                        next: 0,
                        ..*src
                    };
                    alloc_state(ctx, empty, model, None)
                }
            };
            summary::merge(&mut *part, slots(part), src, src_slots, model).or_raise();
            // parts are sorted and disjoint: one pass merges every one the part now overlaps
            parts.retain(|&p| {
                let (a, b) = (range(&*p, model), range(&*part, model));
                if a.0 <= b.1 && b.0 <= a.1 {
                    summary::merge(&mut *part, slots(part), &*p, slots(p), model).or_raise();
                    if p != head {
                        pg_sys::pfree(p.cast());
                    }
                    false
                } else {
                    true
                }
            });
            let first = range(&*part, model).0;
            let at = parts.partition_point(|&p| range(&*p, model).0 < first);
            parts.insert(at, part);
            while parts.len() > MAX_ROLLUP_RANGES {
                let i = (0..parts.len() - 1)
                    .min_by_key(|&i| {
                        range(&*parts[i + 1], model)
                            .0
                            .saturating_sub(range(&*parts[i], model).1)
                    })
                    .expect("two parts");
                let (a, b) = (parts[i], parts[i + 1]);
                summary::merge(&mut *a, slots(a), &*b, slots(b), model).or_raise();
                parts.remove(i + 1);
            }
        }
        if parts.is_empty() {
            // nothing counted inside the window: the head, emptied, holds the as_of
            *head = Header {
                next: 0,
                ..summary::emptied(&Header { anchor, ..*head })
            };
            slots(head).fill(Slot::default());
            return head;
        }
        link(&parts)
    }
}

/// The state as one summary at its as_of: its parts inside the window merged, those wholly
/// before it dropped; 22023 when one straddles the window's start.
pub(super) unsafe fn with_resolved<R>(
    h: *mut Header,
    what: &str,
    f: impl FnOnce(&Header, &[Slot]) -> R,
) -> R {
    unsafe {
        let model = model_of(h);
        if (*h).next == 0 {
            return match summary::check_window(&*h, model, what).or_raise() {
                Window::Outside => f(
                    &summary::emptied(&*h),
                    &vec![Slot::default(); (*h).nslots as usize],
                ),
                _ => f(&*h, slots(h)),
            };
        }
        let mut acc: Option<(Header, Vec<Slot>)> = None;
        for p in parts_of(h) {
            if summary::check_window(&*p, model, what).or_raise() != Window::Inside {
                continue;
            }
            match acc.as_mut() {
                None => acc = Some((Header { next: 0, ..*p }, slots(p).to_vec())),
                Some((ah, asl)) => summary::merge(ah, asl, &*p, slots(p), model).or_raise(),
            }
        }
        match acc {
            Some((ah, asl)) => f(&ah, &asl),
            None => f(
                &Header {
                    next: 0,
                    ..summary::emptied(&*h)
                },
                &vec![Slot::default(); (*h).nslots as usize],
            ),
        }
    }
}

/// Adds a state (`header`, `src_slots`) into the aggregate's state `st`: a copy in the
/// aggregate context when `st` is NULL (the source may live in a shorter-lived context),
/// a merge otherwise.
pub(super) unsafe fn absorb(
    fcinfo: FunctionCallInfo,
    st: pg_sys::NullableDatum,
    header: &Header,
    src_slots: &[Slot],
    model: &Model,
    what: &str,
) -> Datum {
    unsafe {
        if st.isnull {
            let ctx = fmgr::agg_context(fcinfo, what);
            let copy = Header { next: 0, ..*header };
            return Datum::from(alloc_state(ctx, copy, model, Some(src_slots)));
        }
        let h = st.value.cast_mut_ptr::<Header>();
        Datum::from(merge_into(fcinfo, h, header, src_slots, model, what))
    }
}
