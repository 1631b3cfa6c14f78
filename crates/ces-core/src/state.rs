//! Per-group state of the `ces_score(event, ts, weights jsonb)` aggregate.
//! Fixed size and `repr(C)`, so the pgrx layer can palloc it in the aggregate
//! context and PostgreSQL accounts for it; serialisation is 16 little-endian bytes.

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScoreState {
    /// Sum of the weights of the rows seen.
    pub sum: f64,
    /// Rows seen, including rows whose event carries no weight.
    pub rows: i64,
}

pub const SERIALIZED_LEN: usize = 16;

impl ScoreState {
    #[inline]
    pub fn add(&mut self, weight: f64) {
        self.sum += weight;
    }

    pub fn merge(&mut self, other: &ScoreState) {
        self.sum += other.sum;
        self.rows += other.rows;
    }

    pub fn to_bytes(&self) -> [u8; SERIALIZED_LEN] {
        let mut out = [0u8; SERIALIZED_LEN];
        out[..8].copy_from_slice(&self.sum.to_le_bytes());
        out[8..].copy_from_slice(&self.rows.to_le_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<ScoreState> {
        if bytes.len() != SERIALIZED_LEN {
            return None;
        }
        Some(ScoreState {
            sum: f64::from_le_bytes(bytes[..8].try_into().ok()?),
            rows: i64::from_le_bytes(bytes[8..].try_into().ok()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialize_round_trips() {
        for s in [
            ScoreState::default(),
            ScoreState {
                sum: 145.0,
                rows: 40,
            },
            ScoreState {
                sum: -0.1,
                rows: i64::MAX,
            },
            ScoreState {
                sum: f64::MAX,
                rows: 1,
            },
        ] {
            assert_eq!(ScoreState::from_bytes(&s.to_bytes()), Some(s));
        }
        assert_eq!(ScoreState::from_bytes(&[0u8; 15]), None);
    }

    #[test]
    fn merge_is_associative_on_exact_values() {
        // Integer-valued weights sum exactly, so any grouping gives the same result.
        let parts: Vec<ScoreState> = (0..50)
            .map(|i| ScoreState {
                sum: (i * 7 % 13) as f64 - 6.0,
                rows: i,
            })
            .collect();
        let mut left = ScoreState::default();
        for p in &parts {
            left.merge(p);
        }
        let mut a = ScoreState::default();
        let mut b = ScoreState::default();
        for p in &parts[..17] {
            a.merge(p);
        }
        for p in &parts[17..] {
            b.merge(p);
        }
        a.merge(&b);
        assert_eq!(a, left);
    }
}
