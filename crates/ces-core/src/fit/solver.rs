//! L2-regularised logistic regression by Newton's method (IRLS) on a small dense system:
//! features are standardised once (`Design`), the intercept is not penalised, and a step
//! that lowers the penalised log-likelihood is halved. With an L2 strength above 0 the
//! Hessian is positive definite, so separable or collinear data stay finite.

use crate::error::CesError;
use crate::interrupt::Ticker;

/// The standardised design matrix: row-major, an intercept column first, then each
/// non-constant feature as (x − mean) / sd over all rows. Folds fit on subsets of its rows.
pub struct Design {
    pub n: usize,
    /// Columns: 1 + active features.
    pub q: usize,
    z: Vec<f64>,
    p: usize,
    mean: Vec<f64>,
    sd: Vec<f64>,
    /// Features that vary (the others get coefficient 0).
    active: Vec<usize>,
}

/// A fitted model on the original (unstandardised) features.
#[derive(Debug, Clone)]
pub struct Logistic {
    pub intercept: f64,
    pub coef: Vec<f64>,
    /// Standard errors of `coef` (from the penalised Hessian); infinite for a constant feature.
    pub se: Vec<f64>,
    pub iterations: usize,
    /// The coefficients on the design's columns (a warm start for the next fit).
    pub beta: Vec<f64>,
}

const MAX_ITERATIONS: usize = 100;

impl Design {
    /// Standardises `x` (`n` rows of `p` features, row-major).
    pub fn new(x: &[f64], p: usize) -> Design {
        let n = x.len().checked_div(p).unwrap_or(0);
        let mut ticker = Ticker::default();
        let mut mean = vec![0.0; p];
        let mut sd = vec![0.0; p];
        for row in x.chunks_exact(p.max(1)).take(n) {
            ticker.tick();
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
        for row in x.chunks_exact(p.max(1)).take(n) {
            ticker.tick();
            for j in 0..p {
                let d = row[j] - mean[j];
                sd[j] += d * d;
            }
        }
        for j in 0..p {
            sd[j] = (sd[j] / n.max(1) as f64).sqrt();
            if sd[j].is_nan() || sd[j] <= 1e-12 * mean[j].abs().max(1e-300) {
                sd[j] = 0.0;
            }
        }
        let active: Vec<usize> = (0..p).filter(|&j| sd[j] > 0.0).collect();
        let q = active.len() + 1;
        let mut z = vec![0.0; n * q];
        for r in 0..n {
            ticker.tick();
            let zr = &mut z[r * q..(r + 1) * q];
            zr[0] = 1.0;
            for (k, &j) in active.iter().enumerate() {
                zr[k + 1] = (x[r * p + j] - mean[j]) / sd[j];
            }
        }
        Design {
            n,
            q,
            z,
            p,
            mean,
            sd,
            active,
        }
    }

    /// The linear predictor of row `r` under `beta` (ranks rows as the raw linear score does).
    #[inline]
    pub fn eta(&self, r: usize, beta: &[f64]) -> f64 {
        dot(&self.z[r * self.q..(r + 1) * self.q], beta)
    }
}

#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Fits `y` on the rows `rows` of `d`, with L2 strength `l2` on the standardised
/// coefficients, starting from `start` (a previous fit's `beta`) when given.
pub fn fit(
    d: &Design,
    y: &[bool],
    rows: &[usize],
    l2: f64,
    start: Option<&[f64]>,
) -> Result<Logistic, CesError> {
    fit_to(d, y, rows, l2, start, 1e-8)
}

/// `fit`, stopping once no standardised coefficient moves by more than `tolerance`: a
/// cross-validation fold only ranks its held-out accounts, which 1e-4 leaves unchanged.
pub fn fit_to(
    d: &Design,
    y: &[bool],
    rows: &[usize],
    l2: f64,
    start: Option<&[f64]>,
    tolerance: f64,
) -> Result<Logistic, CesError> {
    let q = d.q;
    let mut ticker = Ticker::default();
    let mut beta = match start {
        Some(b) if b.len() == q => b.to_vec(),
        _ => {
            let positives = rows.iter().filter(|&&r| y[r]).count() as f64;
            let rate = (positives / rows.len().max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
            let mut b = vec![0.0; q];
            b[0] = (rate / (1.0 - rate)).ln();
            b
        }
    };
    let mut grad = vec![0.0; q];
    let mut hess = vec![0.0; q * q];
    let mut grad_next = vec![0.0; q];
    let mut hess_next = vec![0.0; q * q];
    let mut current = pass(d, y, rows, l2, &beta, &mut grad, &mut hess, &mut ticker);
    let mut iterations = 0;
    let mut next = vec![0.0; q];
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let mut step = grad.clone();
        let chol = cholesky(&hess, q)?;
        solve(&chol, q, &mut step);
        let mut t = 1.0;
        let mut moved = false;
        let mut gain = 0.0;
        while t > 1e-10 {
            for i in 0..q {
                next[i] = beta[i] + t * step[i];
            }
            let value = pass(
                d,
                y,
                rows,
                l2,
                &next,
                &mut grad_next,
                &mut hess_next,
                &mut ticker,
            );
            if value.is_finite() && value >= current - 1e-12 * current.abs() {
                gain = value - current;
                std::mem::swap(&mut beta, &mut next);
                std::mem::swap(&mut grad, &mut grad_next);
                std::mem::swap(&mut hess, &mut hess_next);
                current = value;
                moved = true;
                break;
            }
            t *= 0.5;
        }
        let max_step = step.iter().fold(0.0f64, |m, s| m.max((t * s).abs()));
        if !moved || max_step < tolerance || gain < 1e-11 * (current.abs() + 1.0) {
            break;
        }
    }
    // Standard errors from the penalised Hessian at the optimum (`hess` is evaluated there).
    let chol = cholesky(&hess, q)?;
    let mut coef = vec![0.0; d.p];
    let mut se = vec![f64::INFINITY; d.p];
    let mut intercept = beta[0];
    let mut e = vec![0.0; q];
    for (k, &j) in d.active.iter().enumerate() {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[k + 1] = 1.0;
        solve(&chol, q, &mut e);
        coef[j] = beta[k + 1] / d.sd[j];
        se[j] = e[k + 1].max(0.0).sqrt() / d.sd[j];
        intercept -= coef[j] * d.mean[j];
    }
    Ok(Logistic {
        intercept,
        coef,
        se,
        iterations,
        beta,
    })
}

/// Standardises `x` and fits on `rows` (tests and one-off fits).
pub fn fit_rows(
    x: &[f64],
    p: usize,
    y: &[bool],
    rows: &[usize],
    l2: f64,
) -> Result<Logistic, CesError> {
    fit(&Design::new(x, p), y, rows, l2, None)
}

/// One pass over the rows: the penalised log-likelihood at `beta`, and its gradient and
/// (negated) Hessian.
#[allow(clippy::too_many_arguments)]
fn pass(
    d: &Design,
    y: &[bool],
    rows: &[usize],
    l2: f64,
    beta: &[f64],
    grad: &mut [f64],
    hess: &mut [f64],
    ticker: &mut Ticker,
) -> f64 {
    let q = d.q;
    grad.iter_mut().for_each(|g| *g = 0.0);
    hess.iter_mut().for_each(|h| *h = 0.0);
    let mut ll = 0.0;
    for &r in rows {
        ticker.tick();
        let zr = &d.z[r * q..(r + 1) * q];
        let eta = dot(zr, beta);
        // One exp gives the probability and both softplus terms.
        let e = (-eta.abs()).exp();
        let l1p = e.ln_1p();
        let (mu, sp_pos, sp_neg) = if eta >= 0.0 {
            (1.0 / (1.0 + e), eta + l1p, l1p)
        } else {
            (e / (1.0 + e), l1p, -eta + l1p)
        };
        // log-likelihood: y ? -softplus(-eta) : -softplus(eta)
        let resid = if y[r] {
            ll -= sp_neg;
            1.0 - mu
        } else {
            ll -= sp_pos;
            -mu
        };
        let w = mu * (1.0 - mu);
        // Full rows (not the triangle): fixed-length loops the compiler vectorises.
        for (i, h) in hess.chunks_exact_mut(q).enumerate() {
            // A row costs q² here: tick per Hessian row, so many event types stay cancellable.
            ticker.tick();
            grad[i] += zr[i] * resid;
            let wz = w * zr[i];
            for (hk, zk) in h.iter_mut().zip(zr) {
                *hk += wz * zk;
            }
        }
    }
    for i in 1..q {
        grad[i] -= l2 * beta[i];
        hess[i * q + i] += l2;
    }
    // A tiny ridge on the intercept keeps the system definite when every weight is ~0.
    hess[0] += 1e-12 * rows.len() as f64 + 1e-300;
    ll - 0.5 * l2 * beta[1..].iter().map(|b| b * b).sum::<f64>()
}

/// Lower Cholesky factor of a symmetric positive definite `q × q` matrix.
fn cholesky(m: &[f64], q: usize) -> Result<Vec<f64>, CesError> {
    let mut a = m.to_vec();
    let mut ticker = Ticker::default();
    for j in 0..q {
        ticker.tick();
        let mut d = a[j * q + j];
        for k in 0..j {
            d -= a[j * q + k] * a[j * q + k];
        }
        if d.is_nan() || d <= 0.0 || !d.is_finite() {
            return Err(CesError::invalid(
                "the fit is numerically singular; raise options.l2",
            ));
        }
        let d = d.sqrt();
        a[j * q + j] = d;
        for i in j + 1..q {
            ticker.tick();
            let mut s = a[i * q + j];
            for k in 0..j {
                s -= a[i * q + k] * a[j * q + k];
            }
            a[i * q + j] = s / d;
        }
    }
    Ok(a)
}

/// Solves L Lᵀ x = b in place.
fn solve(l: &[f64], q: usize, b: &mut [f64]) {
    for i in 0..q {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * q + k] * b[k];
        }
        b[i] = s / l[i * q + i];
    }
    for i in (0..q).rev() {
        let mut s = b[i];
        for k in i + 1..q {
            s -= l[k * q + i] * b[k];
        }
        b[i] = s / l[i * q + i];
    }
}
