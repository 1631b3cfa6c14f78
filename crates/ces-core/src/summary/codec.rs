//! The binary form: the `ces_summary` varlena payload and the parallel-aggregation wire
//! format. Formats 3 and 4 are read; 4 is written.

use super::check::{check_header, check_slot};
use super::state::{Header, Slot, NO_FIRST, SLOT_BYTES, UNKNOWN_FIRST};
use crate::error::CesError;
use crate::limits::{MAX_EVENT_TYPES, MAX_MODEL_BYTES};

/// 4: the header records first_seen. 3: slots that are all zero are left out when that is
/// shorter (one summary per account and day usually holds one or two event types).
/// 3 (what 0.1.0 wrote) is still read, with first_seen unknown.
const FORMAT_VERSION: u8 = 4;
/// A left-out-zeros slot entry: u32 index, i64 count, f64 decayed.
pub(super) const SPARSE_SLOT_BYTES: usize = 4 + SLOT_BYTES;

/// Binary form (the `ces_summary` varlena payload and the parallel-aggregation wire format):
/// version, timed flag, model body length and text, the header's counters, then the slots.
pub fn encode(h: &Header, slots: &[Slot], model_body: &str) -> Vec<u8> {
    let present = slots.iter().filter(|s| !is_zero(s)).count();
    let sparse = present * SPARSE_SLOT_BYTES < slots.len() * SLOT_BYTES;
    let mut out = Vec::with_capacity(56 + model_body.len() + slots.len() * SLOT_BYTES);
    out.extend_from_slice(&[FORMAT_VERSION, h.timed as u8, 0, 0]);
    out.extend_from_slice(&(model_body.len() as u32).to_le_bytes());
    out.extend_from_slice(model_body.as_bytes());
    for v in [h.anchor, h.events, h.unweighted, h.last_seen, h.first_seen] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(slots.len() as u32).to_le_bytes());
    out.extend_from_slice(&(if sparse { present } else { slots.len() } as u32).to_le_bytes());
    for (i, s) in slots.iter().enumerate() {
        if sparse {
            if is_zero(s) {
                continue;
            }
            out.extend_from_slice(&(i as u32).to_le_bytes());
        }
        out.extend_from_slice(&s.count.to_le_bytes());
        out.extend_from_slice(&s.decayed.to_le_bytes());
    }
    out
}

fn is_zero(s: &Slot) -> bool {
    s.count == 0 && s.decayed.to_bits() == 0
}

/// A decoded binary summary; `model_body` is checked against the slots by the caller, and
/// is only known to be UTF-8 once `model_text` says so (callers that have seen the same
/// bytes before skip that check).
pub struct Decoded<'a> {
    pub model_body: &'a [u8],
    pub header: Header,
    pub slots: SlotBuf,
}

/// The model text of a decoded summary.
pub fn model_text(body: &[u8]) -> Result<&str, CesError> {
    std::str::from_utf8(body)
        .map_err(|_| CesError::binary("invalid ces_summary: model is not UTF-8"))
}

/// Slots decoded on the stack when there are few (no allocation per summary read).
pub struct SlotBuf {
    inline: [Slot; INLINE_SLOTS],
    len: usize,
    heap: Vec<Slot>,
}

const INLINE_SLOTS: usize = 16;

impl SlotBuf {
    fn with_len(len: usize) -> SlotBuf {
        SlotBuf {
            inline: [Slot::default(); INLINE_SLOTS],
            len,
            heap: if len > INLINE_SLOTS {
                vec![Slot::default(); len]
            } else {
                Vec::new()
            },
        }
    }
}

impl std::ops::Deref for SlotBuf {
    type Target = [Slot];
    fn deref(&self) -> &[Slot] {
        if self.len > INLINE_SLOTS {
            &self.heap
        } else {
            &self.inline[..self.len]
        }
    }
}

impl std::ops::DerefMut for SlotBuf {
    fn deref_mut(&mut self) -> &mut [Slot] {
        if self.len > INLINE_SLOTS {
            &mut self.heap
        } else {
            &mut self.inline[..self.len]
        }
    }
}

/// Reads a binary summary (the stored value, binary input and the parallel wire format).
/// Every size is checked against the bytes present and the limits before anything is
/// allocated, and every value against the rules a summary built from rows obeys (see
/// `check_slot`, `check_header`); the model-dependent rules are `check_model`'s.
/// Up to 16 slots decode without allocating.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, CesError> {
    let bad = |why: &str| CesError::binary(format!("invalid ces_summary: {why}"));
    let mut r = Reader { bytes, pos: 0 };
    let head = r.take(4).ok_or_else(|| bad("too short"))?;
    let version = head[0];
    if !(3..=FORMAT_VERSION).contains(&version) {
        return Err(bad(&format!("unknown format version {version}")));
    }
    if head[1] > 1 || head[2] != 0 || head[3] != 0 {
        return Err(bad(&format!(
            "undefined flags {:#04x} {:#04x} {:#04x}",
            head[1], head[2], head[3]
        )));
    }
    let timed = head[1] as u32;
    let len = r.u32().ok_or_else(|| bad("too short"))? as usize;
    if len > r.bytes.len() - r.pos {
        return Err(bad("truncated model"));
    }
    if len > MAX_MODEL_BYTES {
        return Err(CesError::limit(format!(
            "ces_summary model of {len} bytes exceeds the limit of {MAX_MODEL_BYTES} bytes"
        )));
    }
    let model_body = r.take(len).ok_or_else(|| bad("truncated model"))?;
    let mut v = [0i64; 5];
    let counters = if version >= 4 { 5 } else { 4 };
    for x in v.iter_mut().take(counters) {
        *x = r.i64().ok_or_else(|| bad("truncated header"))?;
    }
    let nslots = r.u32().ok_or_else(|| bad("truncated header"))?;
    let stored = r.u32().ok_or_else(|| bad("truncated header"))?;
    let rest = r.bytes.len() - r.pos;
    let dense = stored == nslots;
    let (entries, entry_bytes) = if dense {
        (nslots as usize, SLOT_BYTES)
    } else {
        (stored as usize, SPARSE_SLOT_BYTES)
    };
    // sizes against the bytes present first, then against the limit, then allocate
    if stored > nslots && !dense || entries.checked_mul(entry_bytes) != Some(rest) {
        return Err(bad("slot count does not match its length"));
    }
    let n = nslots as usize;
    if n > MAX_EVENT_TYPES {
        return Err(CesError::limit(format!(
            "ces_summary of {n} event types exceeds the limit of {MAX_EVENT_TYPES}"
        )));
    }
    let mut slots = SlotBuf::with_len(n);
    let mut sum: i64 = 0;
    let mut next = 0usize;
    for k in 0..entries {
        let i = if dense {
            k
        } else {
            let i = r.u32().ok_or_else(|| bad("truncated slot"))? as usize;
            if i < next || i >= n {
                return Err(bad("slot indexes out of order"));
            }
            next = i + 1;
            i
        };
        let s = r.slot().ok_or_else(|| bad("truncated slot"))?;
        check_slot(&s).map_err(|why| bad(&why))?;
        sum = sum
            .checked_add(s.count)
            .ok_or_else(|| bad("event counts overflow"))?;
        slots[i] = s;
    }
    let last_seen = v[3];
    let first_seen = if version >= 4 {
        v[4]
    } else if v[1] == 0 {
        NO_FIRST
    } else {
        UNKNOWN_FIRST
    };
    let header = Header {
        model: 0,
        anchor: v[0],
        events: v[1],
        unweighted: v[2],
        last_seen,
        first_seen,
        next: 0,
        nslots,
        timed,
    };
    check_header(&header, sum).map_err(|why| bad(&why))?;
    Ok(Decoded {
        model_body,
        header,
        slots,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn slot(&mut self) -> Option<Slot> {
        Some(Slot {
            count: self.i64()?,
            decayed: f64::from_bits(self.i64()? as u64),
        })
    }
}
