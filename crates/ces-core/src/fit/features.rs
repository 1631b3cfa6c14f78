//! The features of a fit, built in one pass over the events: for each labelled account and
//! each event type, the event count decayed under every candidate half-life at once (and
//! the raw count). Accounts come from the outcomes, sorted, so the result does not depend
//! on the order rows arrive in; event types are sorted by name when the pass ends.

use crate::error::CesError;
use crate::interrupt::Ticker;
use crate::limits::{MAX_FIT_ACCOUNTS, MAX_FIT_CELLS, MAX_FIT_EVENT_TYPES};
use crate::model::Model;
use crate::summary::{row_anchor, row_points, scores_by_row};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Fewest accounts each outcome needs.
pub const MIN_PER_CLASS: usize = 20;

/// FNV-1a, finalised: account keys and event names are short; no per-process seed, so runs agree.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        // FNV's low bits mix poorly and hash tables index by them: a SplitMix64 finaliser.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// An account key stored in the hash table itself when short (most ids are), so a lookup
/// reads no second cache line; it hashes and compares as its bytes.
#[derive(Clone)]
enum Key {
    Inline(u8, [u8; 23]),
    Heap(Box<[u8]>),
}

impl Key {
    fn new(bytes: &[u8]) -> Key {
        if bytes.len() <= 23 {
            let mut b = [0u8; 23];
            b[..bytes.len()].copy_from_slice(bytes);
            Key::Inline(bytes.len() as u8, b)
        } else {
            Key::Heap(bytes.into())
        }
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        match self {
            Key::Inline(n, b) => &b[..*n as usize],
            Key::Heap(b) => b,
        }
    }
}

impl std::borrow::Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

impl std::hash::Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.bytes().hash(h)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for Key {}

/// FNV-1a of a key, also used to assign folds.
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(bytes);
    h.finish()
}

pub struct Features {
    /// Labelled accounts (their text), sorted, and their outcomes.
    pub accounts: Vec<Vec<u8>>,
    pub outcome: Vec<bool>,
    index: FnvMap<Key, u32>,
    /// Half-lives compared (microseconds; None = no decay).
    pub candidates: Vec<Option<i64>>,
    inv_half_life: Vec<f64>,
    as_of: i64,
    lookback: Option<i64>,
    /// Event type names (in order of first appearance until `finish`, then sorted).
    pub types: Vec<Vec<u8>>,
    type_index: FnvMap<Key, u32>,
    /// Account-major cells: per account a block of `type_cap` slots of `candidates + 1`
    /// values (the decayed counts, then the raw count), so one event touches one place.
    cells: Vec<f64>,
    type_cap: usize,
    /// Slot of each event type (by `types` index) in an account's block.
    slot: Vec<usize>,
    /// The baseline model's score per account, when one is given.
    baseline: Option<(Model, Option<i64>, Vec<f64>)>,
    /// Rows read, and rows of labelled accounts counted.
    pub rows: u64,
    pub counted: u64,
    ticker: Ticker,
}

impl Features {
    /// Starts from the labelled accounts `(account, outcome)`. Checks the outcomes vary,
    /// each class has at least `MIN_PER_CLASS` accounts, accounts are unique, and the
    /// memory for one event type fits `MAX_FIT_CELLS`.
    pub fn new(
        mut labels: Vec<(Vec<u8>, bool)>,
        candidates: Vec<Option<i64>>,
        as_of: i64,
        lookback: Option<i64>,
    ) -> Result<Features, CesError> {
        let positives = labels.iter().filter(|(_, o)| *o).count();
        let negatives = labels.len() - positives;
        if labels.is_empty() {
            return Err(CesError::invalid(
                "the outcomes have no labelled accounts (rows with a NULL account or outcome are skipped)",
            ));
        }
        if positives == 0 || negatives == 0 {
            return Err(CesError::invalid(format!(
                "the outcome does not vary: all {} labelled accounts have outcome {}",
                labels.len(),
                positives > 0
            ))
            .with_hint(
                "a fit needs accounts with both outcomes (rows with a NULL outcome are skipped)",
            ));
        }
        if positives < MIN_PER_CLASS || negatives < MIN_PER_CLASS {
            return Err(CesError::invalid(format!(
                "too few accounts per outcome to fit: {positives} with outcome true and {negatives} with outcome false; each needs at least {MIN_PER_CLASS}"
            )));
        }
        check_accounts(labels.len(), candidates.len())?;
        labels.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut index = FnvMap::default();
        index.reserve(labels.len());
        let mut ticker = Ticker::default();
        for (i, (a, _)) in labels.iter().enumerate() {
            ticker.tick();
            if i > 0 && labels[i - 1].0 == *a {
                return Err(CesError::invalid(format!(
                    "account {} appears more than once in the outcomes",
                    String::from_utf8_lossy(a)
                ))
                .with_hint("the outcomes need one row per account"));
            }
            index.insert(Key::new(a), i as u32);
        }
        let (accounts, outcome) = labels.into_iter().unzip();
        let inv_half_life = candidates
            .iter()
            .map(|h| h.map_or(0.0, |h| 1.0 / h as f64))
            .collect();
        Ok(Features {
            accounts,
            outcome,
            index,
            candidates,
            inv_half_life,
            as_of,
            lookback,
            types: Vec::new(),
            type_index: FnvMap::default(),
            cells: Vec::new(),
            type_cap: 0,
            slot: Vec::new(),
            baseline: None,
            rows: 0,
            counted: 0,
            ticker,
        })
    }

    /// Also scores every account under `model` (anchored at this fit's as_of), for its AUC.
    /// A capped event type needs its total, so only models scored row by row are taken.
    pub fn with_baseline(mut self, mut model: Model) -> Result<Features, CesError> {
        model.as_of = Some(self.as_of);
        if !scores_by_row(&model) {
            return Err(CesError::invalid(
                "options.baseline: a model with caps cannot be compared here",
            )
            .with_hint("compare it with ces_auc over ces_score instead"));
        }
        let anchor = row_anchor(&model);
        self.baseline = Some((model, anchor, vec![0.0; self.accounts.len()]));
        Ok(self)
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Adds one event row. Rows of accounts without an outcome, with a NULL part, an empty
    /// event name, or a ts after as_of or before the lookback window count nothing.
    #[inline]
    pub fn add(
        &mut self,
        account: Option<&[u8]>,
        event: Option<&[u8]>,
        ts: Option<i64>,
    ) -> Result<(), CesError> {
        self.ticker.tick();
        self.rows += 1;
        let (Some(account), Some(event), Some(ts)) = (account, event, ts) else {
            return Ok(());
        };
        let Some(&row) = self.index.get(account) else {
            return Ok(());
        };
        let row = row as usize;
        if let Some((model, anchor, scores)) = &mut self.baseline {
            if let Some(p) = row_points(model, *anchor, event, Some(ts)) {
                scores[row] += p;
            }
        }
        if ts > self.as_of || event.is_empty() {
            return Ok(());
        }
        if self
            .lookback
            .is_some_and(|lb| ts <= self.as_of.saturating_sub(lb))
        {
            return Ok(());
        }
        let t = match self.type_index.get(event) {
            Some(&t) => t as usize,
            None => self.new_type(event)?,
        };
        self.counted += 1;
        let age = self.as_of.saturating_sub(ts) as f64;
        let w = self.candidates.len() + 1;
        let at = row * self.type_cap * w + t * w;
        let cells = &mut self.cells[at..at + w];
        for (cell, inv) in cells.iter_mut().zip(&self.inv_half_life) {
            *cell += if *inv == 0.0 {
                1.0
            } else {
                (-age * inv).exp2()
            };
        }
        cells[w - 1] += 1.0;
        Ok(())
    }

    fn new_type(&mut self, event: &[u8]) -> Result<usize, CesError> {
        let n = self.types.len() + 1;
        if n > MAX_FIT_EVENT_TYPES {
            return Err(CesError::limit(format!(
                "the events of the labelled accounts have more than {MAX_FIT_EVENT_TYPES} event types, the limit of a fit"
            ))
            .with_hint("fit on a view that keeps the event types worth weighing"));
        }
        check_cells(self.accounts.len(), n, self.candidates.len())?;
        if n > self.type_cap {
            // Room for more types: double, within what the limit allows (at least n).
            let allowed =
                MAX_FIT_CELLS / (self.accounts.len().max(1) * self.candidates.len().max(1));
            let cap = (self.type_cap * 2).max(8).min(allowed).max(n);
            let w = self.candidates.len() + 1;
            let mut cells = vec![0.0; self.accounts.len() * cap * w];
            let mut ticker = Ticker::default();
            if self.type_cap > 0 {
                let old = self.type_cap * w;
                for (row, block) in self.cells.chunks_exact(old).enumerate() {
                    ticker.tick();
                    cells[row * cap * w..row * cap * w + old].copy_from_slice(block);
                }
            }
            self.cells = cells;
            self.type_cap = cap;
        }
        self.types.push(event.to_vec());
        self.slot.push(n - 1);
        self.type_index.insert(Key::new(event), (n - 1) as u32);
        Ok(n - 1)
    }

    /// Ends the pass: event types sorted by name, as a model orders them.
    pub fn finish(&mut self) {
        let mut order: Vec<usize> = (0..self.types.len()).collect();
        order.sort_by(|&a, &b| self.types[a].cmp(&self.types[b]));
        self.slot = order.iter().map(|&i| self.slot[i]).collect();
        let mut names: Vec<Option<Vec<u8>>> = self.types.drain(..).map(Some).collect();
        self.types = order
            .iter()
            .map(|&i| names[i].take().unwrap_or_default())
            .collect();
        self.type_index.clear();
    }

    /// Decayed count of event type `t` for account `row` under candidate `c`
    /// (`c` = the number of candidates gives the raw count).
    #[inline]
    pub fn value(&self, t: usize, row: usize, c: usize) -> f64 {
        let w = self.candidates.len() + 1;
        self.cells[row * self.type_cap * w + self.slot[t] * w + c]
    }

    /// The accounts × event types matrix (row-major) of candidate `c`.
    pub fn matrix(&self, c: usize) -> Vec<f64> {
        let p = self.types.len();
        let mut x = vec![0.0; self.len() * p];
        let mut ticker = Ticker::default();
        for row in 0..self.len() {
            ticker.tick();
            for t in 0..p {
                x[row * p + t] = self.value(t, row, c);
            }
        }
        x
    }

    /// Accounts with at least one counted event of type `t`.
    pub fn accounts_with(&self, t: usize) -> usize {
        let c = self.candidates.len();
        (0..self.len())
            .filter(|&row| self.value(t, row, c) > 0.0)
            .count()
    }

    pub fn baseline_scores(&self) -> Option<&[f64]> {
        self.baseline.as_ref().map(|(_, _, s)| s.as_slice())
    }
}

/// Raises 54000 when `accounts × types × candidates` exceeds `MAX_FIT_CELLS`.
pub fn check_cells(accounts: usize, types: usize, candidates: usize) -> Result<(), CesError> {
    let cells = accounts.saturating_mul(types).saturating_mul(candidates);
    if cells > MAX_FIT_CELLS {
        return Err(CesError::limit(format!(
            "fitting {accounts} accounts × {types} event types × {candidates} candidate half-lives needs {cells} feature cells, more than the limit of {MAX_FIT_CELLS}"
        ))
        .with_hint("give fewer candidate half-lives, a fixed half_life, or fewer accounts"));
    }
    Ok(())
}

/// Raises 54000 when `accounts` labelled accounts are more than `MAX_FIT_ACCOUNTS`, or
/// would exceed `MAX_FIT_CELLS` with a single event type.
pub fn check_accounts(accounts: usize, candidates: usize) -> Result<(), CesError> {
    if accounts > MAX_FIT_ACCOUNTS {
        return Err(CesError::limit(format!(
            "the outcomes have more than {MAX_FIT_ACCOUNTS} labelled accounts, the limit of a fit"
        ))
        .with_hint(
            "fit on a sample of the accounts (a view), for example by a hash of the account",
        ));
    }
    check_cells(accounts, 1, candidates)
}
