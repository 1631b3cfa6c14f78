//! L2-regularised logistic regression by Newton's method (IRLS) on a small dense system:
//! features are standardised over the training rows, the intercept is not penalised, and a
//! step that does not raise the penalised log-likelihood is halved. With an L2 strength
//! above 0 the Hessian is positive definite, so separable or collinear data stay finite.

use crate::error::CesError;
use crate::interrupt::Ticker;

/// A fitted model on the original (unstandardised) features.
#[derive(Debug, Clone)]
pub struct Logistic {
    pub intercept: f64,
    pub coef: Vec<f64>,
    /// Standard errors of `coef` (from the penalised Hessian); infinite for a constant feature.
    pub se: Vec<f64>,
    pub iterations: usize,
}

const MAX_ITERATIONS: usize = 100;

/// log(1 + e^x) without overflow.
#[inline]
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

#[inline]
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Fits `y` on the rows `rows` of `x` (row-major, `p` columns), with L2 strength `l2` on
/// the standardised coefficients.
pub fn fit(x: &[f64], p: usize, y: &[bool], rows: &[usize], l2: f64) -> Result<Logistic, CesError> {
    let n = rows.len();
    let mut ticker = Ticker::default();
    // Standardisation over the training rows; a constant column stays out of the fit.
    let mut mean = vec![0.0; p];
    let mut sd = vec![0.0; p];
    for &r in rows {
        ticker.tick();
        for j in 0..p {
            mean[j] += x[r * p + j];
        }
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    for &r in rows {
        ticker.tick();
        for j in 0..p {
            let d = x[r * p + j] - mean[j];
            sd[j] += d * d;
        }
    }
    for j in 0..p {
        sd[j] = (sd[j] / n.max(1) as f64).sqrt();
        if !(sd[j] > 1e-12 * mean[j].abs().max(1e-300)) {
            sd[j] = 0.0;
        }
    }
    let active: Vec<usize> = (0..p).filter(|&j| sd[j] > 0.0).collect();
    let q = active.len() + 1; // intercept first
    let z_row = |r: usize, z: &mut [f64]| {
        z[0] = 1.0;
        for (k, &j) in active.iter().enumerate() {
            z[k + 1] = (x[r * p + j] - mean[j]) / sd[j];
        }
    };
    let positives = rows.iter().filter(|&&r| y[r]).count() as f64;
    let rate = (positives / n.max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
    let mut beta = vec![0.0; q];
    beta[0] = (rate / (1.0 - rate)).ln();
    let mut z = vec![0.0; q];
    let objective = |beta: &[f64], z: &mut [f64], ticker: &mut Ticker| -> f64 {
        let mut ll = 0.0;
        for &r in rows {
            ticker.tick();
            z_row(r, z);
            let eta: f64 = z.iter().zip(beta).map(|(a, b)| a * b).sum();
            ll -= if y[r] { softplus(-eta) } else { softplus(eta) };
        }
        ll - 0.5 * l2 * beta[1..].iter().map(|b| b * b).sum::<f64>()
    };
    let mut current = objective(&beta, &mut z, &mut ticker);
    let mut hess = vec![0.0; q * q];
    let mut grad = vec![0.0; q];
    let mut iterations = 0;
    loop {
        iterations += 1;
        gradient_hessian(
            &beta,
            &mut grad,
            &mut hess,
            rows,
            y,
            l2,
            &mut z,
            &z_row,
            &mut ticker,
        );
        let mut step = grad.clone();
        let chol = cholesky(&mut hess.clone(), q)?;
        solve(&chol, q, &mut step);
        let mut t = 1.0;
        let mut accepted = false;
        let mut next = vec![0.0; q];
        for _ in 0..30 {
            for i in 0..q {
                next[i] = beta[i] + t * step[i];
            }
            let value = objective(&next, &mut z, &mut ticker);
            if value.is_finite() && value >= current - 1e-12 * current.abs() {
                let gain = value - current;
                beta.copy_from_slice(&next);
                current = value;
                accepted = gain.abs() > 1e-10 * (current.abs() + 1.0);
                break;
            }
            t *= 0.5;
        }
        let max_step = step.iter().fold(0.0f64, |m, s| m.max((t * s).abs()));
        if !accepted || max_step < 1e-9 || iterations >= MAX_ITERATIONS {
            break;
        }
    }
    // Standard errors from the penalised Hessian at the optimum.
    gradient_hessian(
        &beta,
        &mut grad,
        &mut hess,
        rows,
        y,
        l2,
        &mut z,
        &z_row,
        &mut ticker,
    );
    let chol = cholesky(&mut hess.clone(), q)?;
    let mut coef = vec![0.0; p];
    let mut se = vec![f64::INFINITY; p];
    let mut intercept = beta[0];
    for (k, &j) in active.iter().enumerate() {
        let mut e = vec![0.0; q];
        e[k + 1] = 1.0;
        solve(&chol, q, &mut e);
        coef[j] = beta[k + 1] / sd[j];
        se[j] = e[k + 1].max(0.0).sqrt() / sd[j];
        intercept -= coef[j] * mean[j];
    }
    Ok(Logistic {
        intercept,
        coef,
        se,
        iterations,
    })
}

#[allow(clippy::too_many_arguments)]
fn gradient_hessian(
    beta: &[f64],
    grad: &mut [f64],
    hess: &mut [f64],
    rows: &[usize],
    y: &[bool],
    l2: f64,
    z: &mut [f64],
    z_row: &dyn Fn(usize, &mut [f64]),
    ticker: &mut Ticker,
) {
    let q = beta.len();
    grad.iter_mut().for_each(|g| *g = 0.0);
    hess.iter_mut().for_each(|h| *h = 0.0);
    for &r in rows {
        ticker.tick();
        z_row(r, z);
        let eta: f64 = z.iter().zip(beta).map(|(a, b)| a * b).sum();
        let mu = sigmoid(eta);
        let resid = if y[r] { 1.0 - mu } else { -mu };
        let w = mu * (1.0 - mu);
        for i in 0..q {
            grad[i] += z[i] * resid;
            let wz = w * z[i];
            for k in 0..=i {
                hess[i * q + k] += wz * z[k];
            }
        }
    }
    for i in 1..q {
        grad[i] -= l2 * beta[i];
        hess[i * q + i] += l2;
    }
    // A tiny ridge on the intercept keeps the system definite when every weight is ~0.
    hess[0] += 1e-12 * rows.len() as f64;
    for i in 0..q {
        for k in 0..i {
            hess[k * q + i] = hess[i * q + k];
        }
    }
}

/// Lower Cholesky factor of a symmetric positive definite `q × q` matrix, in place.
fn cholesky(a: &mut [f64], q: usize) -> Result<Vec<f64>, CesError> {
    for j in 0..q {
        let mut d = a[j * q + j];
        for k in 0..j {
            d -= a[j * q + k] * a[j * q + k];
        }
        if !(d > 0.0) || !d.is_finite() {
            return Err(CesError::invalid(
                "the fit is numerically singular; raise options.l2",
            ));
        }
        let d = d.sqrt();
        a[j * q + j] = d;
        for i in j + 1..q {
            let mut s = a[i * q + j];
            for k in 0..j {
                s -= a[i * q + k] * a[j * q + k];
            }
            a[i * q + j] = s / d;
        }
    }
    Ok(a.to_vec())
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
